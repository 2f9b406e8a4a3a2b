"""ShopInsight: what a data team would tell a small online shop, from its order exports."""

__version__ = "0.1.0"
