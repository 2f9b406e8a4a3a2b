"""The fixed vocabulary of the sample shop: names, places, products, personas, codes.

Kept apart from the generator so the generator reads as the rules of the shop, and this file as
its catalogue. Everything here is invented (names are common first and last names combined at
random; streets and phone numbers are fictional, phones use the 555-01xx range).
"""

from __future__ import annotations

SELLER_ID = "teaandpaperco"
STORE_TZ = "America/New_York"
TAOBAO_TZ = "Asia/Shanghai"

FIRST_NAMES = [
    "Anna", "Ben", "Chloe", "Daniel", "Emma", "Felix", "Grace", "Henry", "Isla", "Jack",
    "Katie", "Liam", "Maya", "Noah", "Olivia", "Peter", "Quinn", "Rosa", "Sam", "Tara",
    "Umar", "Vera", "Will", "Xenia", "Yusuf", "Zoë", "Amelia", "Bruno", "Clara", "Diego",
    "Elena", "Finn", "Gemma", "Hugo", "Ines", "Jonas", "Kira", "Lucas", "Mila", "Nina",
    "Oscar", "Priya", "Rafael", "Sofia", "Theo", "Lena", "Marcus", "Naomi", "Ruth", "Simon",
    "Hannah", "Aiden", "Leah", "Owen", "Julia", "Kai", "Freya", "Mateo", "Alice", "José",
]  # fmt: skip

LAST_NAMES = [
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Roberts",
    "Walker", "Wright", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood",
    "Harris", "Martin", "Jackson", "Clarke", "Clark", "Turner", "Hill", "Scott", "Cooper",
    "Morris", "Ward", "Moore", "King", "Watson", "Baker", "Harrison", "Morgan", "Patel",
    "Young", "Allen", "Mitchell", "James", "Anderson", "Phillips", "Lee", "Bell", "Parker",
    "Müller", "Schmidt", "García", "Rossi", "Novak", "Kowalski", "Nguyen", "Kim", "Santos",
    "Okafor", "Larsen", "Dubois", "O'Brien", "Fischer", "Silva",
]  # fmt: skip

CN_SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱"]
CN_GIVEN = ["小美", "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "婷", "杰", "丽", "强", "雪"]
CN_NICK_WORDS = ["tea", "cha", "xiaomei", "moon", "panda", "lucky", "sunny", "yuyu", "mumu"]

EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "proton.me"]

# (city, region code, region name, zip, country code, country name); zips are real formats.
PLACES = [
    ("Boston", "MA", "Massachusetts", "02118", "US", "United States"),
    ("Cambridge", "MA", "Massachusetts", "02139", "US", "United States"),
    ("Providence", "RI", "Rhode Island", "02906", "US", "United States"),
    ("Hartford", "CT", "Connecticut", "06105", "US", "United States"),
    ("Brooklyn", "NY", "New York", "11215", "US", "United States"),
    ("New York", "NY", "New York", "10025", "US", "United States"),
    ("Philadelphia", "PA", "Pennsylvania", "19103", "US", "United States"),
    ("Baltimore", "MD", "Maryland", "21218", "US", "United States"),
    ("Richmond", "VA", "Virginia", "23220", "US", "United States"),
    ("Asheville", "NC", "North Carolina", "28801", "US", "United States"),
    ("Atlanta", "GA", "Georgia", "30307", "US", "United States"),
    ("Nashville", "TN", "Tennessee", "37216", "US", "United States"),
    ("Chicago", "IL", "Illinois", "60614", "US", "United States"),
    ("Madison", "WI", "Wisconsin", "53703", "US", "United States"),
    ("Minneapolis", "MN", "Minnesota", "55408", "US", "United States"),
    ("Austin", "TX", "Texas", "78704", "US", "United States"),
    ("Denver", "CO", "Colorado", "80206", "US", "United States"),
    ("Phoenix", "AZ", "Arizona", "85004", "US", "United States"),
    ("Portland", "OR", "Oregon", "97213", "US", "United States"),
    ("Seattle", "WA", "Washington", "98103", "US", "United States"),
    ("San Francisco", "CA", "California", "94110", "US", "United States"),
    ("Los Angeles", "CA", "California", "90066", "US", "United States"),
    ("San Diego", "CA", "California", "92104", "US", "United States"),
    ("Toronto", "ON", "Ontario", "M5V 2T6", "CA", "Canada"),
    ("Vancouver", "BC", "British Columbia", "V6B 1A1", "CA", "Canada"),
    ("London", "", "", "N1 9GU", "GB", "United Kingdom"),
    ("Münster", "", "", "48143", "DE", "Germany"),
    ("Melbourne", "VIC", "Victoria", "3000", "AU", "Australia"),
]
PLACE_WEIGHTS = [6, 4, 2, 2, 5, 5, 4, 3, 2, 2, 4, 3, 5, 2, 3, 4, 3, 2, 4, 4, 5, 5, 3, 2, 2, 2, 1, 1]

CN_PLACES = [
    ("上海市", "上海", "200031"), ("北京市", "北京", "100020"), ("杭州市", "浙江省", "310012"),
    ("广州市", "广东省", "510620"), ("成都市", "四川省", "610041"), ("南京市", "江苏省", "210008"),
]  # fmt: skip

STREETS = [
    "Maple St", "Oak Ave", "Cedar Rd", "Elm St", "Park Ave", "Willow Ln", "Harbor Rd",
    "Hillside Dr", "Union St", "Church St", "Mill Rd", "Spring St", "Chestnut St", "Lake Ave",
]  # fmt: skip
CN_STREETS = ["南京西路", "建国路", "文三路", "天河路", "人民南路", "中山路"]

# sku, name, variant, category, price (USD), popularity weight, Taobao title
PRODUCTS = [
    ("TEA-EARL", "Earl Grey Cream", "100g", "Tea", 14.0, 10, "伯爵奶油红茶"),
    ("TEA-SENCHA", "Sencha Spring", "100g", "Tea", 16.0, 8, "春季煎茶"),
    ("TEA-JASMINE", "Jasmine Pearls", "50g", "Tea", 18.0, 7, "茉莉龙珠"),
    ("TEA-CHAI", "Masala Chai", "100g", "Tea", 12.0, 9, "印度香料奶茶"),
    ("TEA-MATCHA", "Ceremonial Matcha", "30g", "Tea", 28.0, 6, "仪式级抹茶"),
    ("TEA-OOLONG", "Milk Oolong", "50g", "Tea", 17.0, 5, "奶香乌龙"),
    ("TEA-ROOIBOS", "Vanilla Rooibos", "100g", "Tea", 12.0, 5, "香草南非茶"),
    ("TEA-SAMPLER", "Tea Sampler", "12 teas", "Tea", 32.0, 4, "茶叶试饮装"),
    ("TW-KYUSU", "Kyusu Teapot", "", "Teaware", 48.0, 4, "日式侧把壶"),
    ("TW-CUPS2", "Pair of Tea Cups", "", "Teaware", 26.0, 4, "对杯"),
    ("TW-WHISK", "Bamboo Matcha Whisk", "", "Teaware", 16.0, 4, "竹制茶筅"),
    ("TW-BOWL", "Matcha Bowl", "", "Teaware", 34.0, 3, "抹茶碗"),
    ("TW-MUG-SAGE", "Stoneware Mug", "Sage", "Teaware", 22.0, 5, "粗陶马克杯 鼠尾草绿"),
    ("TW-MUG-SAND", "Stoneware Mug", "Sand", "Teaware", 22.0, 4, "粗陶马克杯 沙色"),
    ("TW-INFUSER", "Steel Tea Infuser", "", "Teaware", 9.0, 6, "不锈钢滤茶器"),
    ("CN-CEDAR", "Cedar & Smoke Candle", "", "Candles", 24.0, 6, "雪松烟熏香薰蜡烛"),
    ("CN-LAV", "Lavender Field Candle", "", "Candles", 24.0, 6, "薰衣草香薰蜡烛"),
    ("CN-FIG", "Fig Leaf Candle", "", "Candles", 26.0, 4, "无花果叶香薰蜡烛"),
    ("CN-MATCH", "Match Cylinder", "", "Candles", 8.0, 3, "火柴筒"),
    ("ST-NOTE-A5", "Dot Grid Notebook", "A5", "Stationery", 19.0, 7, "点阵笔记本 A5"),
    ("ST-NOTE-A6", "Pocket Notebook", "A6", "Stationery", 12.0, 5, "口袋笔记本 A6"),
    ("ST-PEN", "Brass Fountain Pen", "", "Stationery", 45.0, 3, "黄铜钢笔"),
    ("ST-INK", "Ink Bottle", "Midnight Blue", "Stationery", 14.0, 3, "瓶装墨水 午夜蓝"),
    ("ST-WASHI", "Washi Tape Set", "", "Stationery", 11.0, 5, "和纸胶带套装"),
    ("ST-CARDS", "Letterpress Card Set", "6 cards", "Stationery", 16.0, 4, "凸版印刷贺卡套装"),
    ("GF-BOX", "Gift Box", "", "Gifts", 6.0, 3, "礼盒包装"),
    ("GF-CARD", "Greeting Card", "", "Gifts", 5.0, 4, "手写贺卡"),
    ("GF-SET-CALM", "Calm Evening Gift Set", "", "Gifts", 58.0, 3, "宁静夜晚礼盒"),
]
"""The catalogue. Categories double as Shopify `Vendor` (what the Shopify importer reads)."""

BUNDLES = [
    ("TEA-MATCHA", "TW-WHISK", "TW-BOWL"),
    ("TW-KYUSU", "TW-CUPS2"),
    ("ST-PEN", "ST-INK", "ST-NOTE-A5"),
    ("CN-CEDAR", "CN-MATCH"),
    ("TEA-EARL", "TW-INFUSER"),
    ("CN-LAV", "GF-CARD"),
]
"""Planted co-purchases: these sets are bought together far more often than chance."""
BUNDLE_WEIGHTS = [5, 4, 3, 4, 3, 3]

# persona: share, min orders, max orders, timing mode, gap days (lo, hi), last order days ago
PERSONAS: dict[str, dict] = {
    "one_timer": dict(share=0.40, n=(1, 1), mode="season"),
    "loyal": dict(share=0.15, n=(5, 10), mode="regular", gap=(35, 80), recency=(0, 45)),
    "champion": dict(share=0.05, n=(9, 16), mode="regular", gap=(18, 40), recency=(0, 15)),
    "gift_buyer": dict(share=0.09, n=(2, 6), mode="gift"),
    "discount_hunter": dict(share=0.08, n=(3, 7), mode="regular", gap=(40, 110), recency=(0, 200)),
    "night_owl": dict(share=0.06, n=(3, 7), mode="regular", gap=(30, 80), recency=(0, 90)),
    "seasonal": dict(share=0.08, n=(2, 4), mode="holiday"),
    "lapsing": dict(share=0.09, n=(3, 7), mode="regular", gap=(25, 60), recency=(230, 450)),
    "subscriber": dict(share=0.05, n=(0, 0), mode="season"),
}
"""Who buys how: the generator draws each customer's orders from their persona. Subscribers
never ordered: they are newsletter sign-ups in the Shopify customers export."""

MARKETPLACES = ["shopify", "etsy", "woocommerce", "amazon", "ebay", "taobao", "generic"]
MARKET_WEIGHTS = [0.56, 0.13, 0.09, 0.06, 0.05, 0.06, 0.05]
SECOND_MARKETS = ["woocommerce", "etsy"]
"""Shopify customers who also buy on a second shop (same email on WooCommerce, same person on
Etsy under a username)."""

CAPABILITIES: dict[str, set[str]] = {
    "shopify": {
        "refund",
        "partial",
        "cancel",
        "open",
        "discount",
        "gift_message",
        "tip",
        "shipping",
    },
    "woocommerce": {"refund", "partial", "cancel", "open", "discount", "gift_message", "shipping"},
    "etsy": {"open", "discount", "shipping"},
    "taobao": {"refund", "partial", "cancel", "open", "gift_message", "shipping"},
    "amazon": {"open", "shipping"},
    "ebay": {"open", "gift_message", "shipping"},
    "generic": set(),
}
"""What each export can say. The truth never holds what its export could not carry (an eBay
Orders report has no refunds), so a round trip can be exact."""

CNY_PER_USD = 7.0
FREE_SHIPPING_OVER = 75.0
SHIPPING_FEE = {"domestic": 5.95, "international": 14.95}

GIFT_MESSAGES = [
    "Happy birthday, Mum! Love, {buyer}",
    "A little gift for you. Enjoy! - {buyer}",
    "Merry Christmas! Thinking of you, {buyer}",
    "Happy birthday {recipient}! x {buyer}",
    "Congratulations on the new home! {buyer}",
    "Gift for {recipient}: thank you for everything.",
    "Happy Mother's Day, with love from {buyer}",
    "Get well soon, {recipient}! Tea helps. {buyer}",
]
CN_GIFT_MESSAGES = ["生日快乐！送给{recipient}的礼物", "礼物，请不要放价格单", "送朋友的礼物，谢谢"]
DELIVERY_NOTES = [
    "Please leave at the back door.",
    "Ring twice, the bell is quiet.",
    "Leave with the neighbour at no. 12 if nobody is home.",
    "Please no plastic packaging if possible.",
]
