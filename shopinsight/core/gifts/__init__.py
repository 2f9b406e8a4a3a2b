"""Gifts and notes: policies per segment, note templates, packing plans and gift campaigns."""
