from shopinsight.cli import main

main()
