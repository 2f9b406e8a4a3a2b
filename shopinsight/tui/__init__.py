"""The ShopInsight terminal app (Textual). Imported only when the app is opened."""
