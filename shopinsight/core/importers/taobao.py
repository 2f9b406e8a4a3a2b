"""Taobao / Tmall: 订单报表 (ExportOrderList), 宝贝报表 (ExportOrderDetailList) and the reduced
7-column Tmall order report.

The files are GBK (found by the sniffer) with ids written as Excel formulas `="…"` (cleaned).
Times are Beijing time (Asia/Shanghai) and stored in UTC. Money is CNY.

订单报表: one line per order (`line_kind` "order"); buyer key 买家会员名. 订单状态 maps to:
交易成功 and 卖家已发货… → paid + fulfilled; 买家已付款，等待卖家发货 → paid, open (to pack);
等待买家付款 → pending; 交易关闭 → cancelled, except that a closed order with a 退款金额 was paid
and refunded (Taobao closes an order when everything in it is refunded) → refunded. Otherwise a
退款金额 ≥ 总金额 → refunded, a smaller one → partially refunded.

宝贝报表: one product line per item, joined to its order on 订单编号. It carries no date and no
buyer: the lines take both, with the totals and status, from the 订单报表 when it is imported
(together or later; see reconcile.py). Until then they are kept but, having no date, stay out
of the analyses.

Tmall 7-column report (订单编号, 总金额, 买家实际支付金额, 收货地址, 订单创建时间, 订单付款时间,
退款金额): no status and no buyer (customer_id null, said after import). No 订单付款时间 → pending
(never paid); 买家实际支付金额 = 0 with 退款金额 = 总金额 → refunded; other refunds → partially
refunded.
"""

from __future__ import annotations

import polars as pl

from shopinsight.core.importers.base import BUYER, REASON, UNDATED, BuildContext, Format, col
from shopinsight.core.importers.values import (
    datetime_utc,
    integer,
    money,
    reasons,
    sniff_date_formats,
    unparsed,
)

TIMEZONE = "Asia/Shanghai"
GIFT_WORDS = r"礼物|礼品|礼盒|送给|送人|生日|贺卡|祝福|纪念日"

NO_BUYER_NOTE = (
    "This Tmall order report has no buyer column (买家会员名), so its orders count in revenue "
    "only; customer tags, segments and churn cannot use them. Export the full 订单报表 "
    "(ExportOrderList) for customer features."
)


def _status(raw: pl.Expr, paid: pl.Expr, refund: pl.Expr, total: pl.Expr) -> pl.Expr:
    """Canonical status from 订单状态 (if any), payment time and refund amount."""
    refunded_all = (refund > 0) & (refund >= total)
    return (
        pl.when(raw.str.contains("交易关闭") & (refund > 0))
        .then(pl.lit("refunded"))
        .when(raw.str.contains("交易关闭"))
        .then(pl.lit("cancelled"))
        .when(raw.str.contains("等待买家付款") | (raw.is_null() & ~paid))
        .then(pl.lit("pending"))
        .when(refunded_all)
        .then(pl.lit("refunded"))
        .when(refund > 0)
        .then(pl.lit("partially_refunded"))
        .otherwise(pl.lit("paid"))
    )


def _fulfilled(raw: pl.Expr, paid: pl.Expr) -> pl.Expr:
    shipped = raw.str.contains("交易成功|卖家已发货|买家已确认")
    return pl.coalesce(shipped, paid).fill_null(False)


def _address(address: pl.Expr) -> list[pl.Expr]:
    """`浙江省 杭州市 西湖区 某路1号(310000)` → region, city, postal code."""
    parts = address.str.replace(r"[（(]\s*\d{6}\s*[)）]\s*$", "").str.split(" ")
    return [
        pl.when(address.is_not_null()).then(pl.lit("CN")).alias("country"),
        parts.list.get(0, null_on_oob=True).alias("region"),
        parts.list.get(1, null_on_oob=True).alias("city"),
        address.str.extract(r"[（(]\s*(\d{6})\s*[)）]\s*$", 1).alias("postal_code"),
    ]


def build_orders(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """订单报表 or the Tmall 7-column report → one order-level line per order."""
    fmt = sniff_date_formats(frame["订单创建时间"])
    # Stage 1: clean and parse each value once; stage 2 combines plain columns (fast).
    frame = frame.with_columns(
        __at=datetime_utc(pl.col("订单创建时间"), fmt, TIMEZONE),
        __total=money(col(frame, "总金额")),
        __paid_amount=money(col(frame, "买家实际支付金额")),
        __refund_raw=money(col(frame, "退款金额")),
        __paid=col(frame, "订单付款时间").is_not_null(),
        __status=col(frame, "订单状态"),
        __message=col(frame, "买家留言"),
        __address=col(frame, "收货地址"),
    )
    total, paid_amount, paid = pl.col("__total"), pl.col("__paid_amount"), pl.col("__paid")
    refund = pl.col("__refund_raw").fill_null(0.0)
    if "订单状态" not in frame.columns:  # Tmall: a full refund leaves 实付 0
        refund = pl.when((paid_amount == 0) & (refund >= total)).then(total).otherwise(refund)
    frame = frame.with_columns(
        __refund=refund,
        __gift=pl.col("__message").str.contains(GIFT_WORDS).fill_null(False),
    )
    raw_status, refund, message = pl.col("__status"), pl.col("__refund"), pl.col("__message")
    return frame.select(
        "__row",
        col(frame, "订单编号").alias("order_id"),
        pl.col("__at").alias("ordered_at"),
        col(frame, "买家会员名").alias(BUYER),
        col(frame, "买家会员名").alias("customer_name"),
        col(frame, "收货人姓名").alias("shipping_name"),
        *_address(pl.col("__address")),
        integer(col(frame, "宝贝总数量")).alias("quantity"),
        total.alias("order_total"),
        money(col(frame, "买家应付邮费")).fill_null(0.0).alias("shipping"),
        refund.alias("refunded"),
        pl.lit("CNY").alias("currency"),
        _status(raw_status, paid, refund, total).alias("status"),
        _fulfilled(raw_status, paid).alias("fulfilled"),
        message.alias("order_note"),
        pl.when(pl.col("__gift")).then(message).alias("gift_message"),
        pl.col("__gift").alias("is_gift"),
        pl.lit("order").alias("line_kind"),
        reasons(
            unparsed(pl.col("订单创建时间"), pl.col("__at"), "date", "订单创建时间"),
            unparsed(col(frame, "总金额"), total, "amount", "总金额"),
            unparsed(col(frame, "买家实际支付金额"), paid_amount, "amount", "买家实际支付金额"),
            unparsed(col(frame, "退款金额"), pl.col("__refund_raw"), "amount", "退款金额"),
        ).alias(REASON),
    )


ITEMS_NOTE = (
    "宝贝报表 (ExportOrderDetailList) has no order dates or buyers: its items take them, "
    "with the order totals, from the 订单报表 (ExportOrderList) of the same orders. Import "
    "that file too (now or later); until then these items stay out of the analyses."
)
"""Said of an items file imported without its orders file (dropped when the same command has it)."""


def build_items(frame: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """宝贝报表 → one product line per item, dated by its 订单报表 at merge time."""
    ctx.warnings.append(ITEMS_NOTE)
    raw_status = col(frame, "订单状态")
    frame = frame.with_columns(
        __order=col(frame, "订单编号"),
        __qty=integer(col(frame, "购买数量")),
        __price=money(col(frame, "价格")),
        __closed=raw_status.str.contains("交易关闭").fill_null(False),
        __unpaid=raw_status.str.contains("等待买家付款").fill_null(False),
        __shipped=_fulfilled(raw_status, pl.lit(False)),
    ).with_columns(__line_total=pl.col("__qty") * pl.col("__price"))
    qty, price, line_total = pl.col("__qty"), pl.col("__price"), pl.col("__line_total")
    title = col(frame, "标题")
    return frame.select(
        "__row",
        pl.col("__order").alias("order_id"),
        (pl.int_range(pl.len()).over("__order", order_by="__row") + 1)
        .cast(pl.Int32)
        .alias("line_no"),
        pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("ordered_at"),
        pl.lit(True).alias(UNDATED),
        pl.coalesce(col(frame, "商家编码"), col(frame, "外部系统编号"), title.str.to_lowercase())
        .alias("sku"),
        title.alias("product_name"),
        pl.coalesce(col(frame, "商品属性"), col(frame, "规格名称"), col(frame, "套餐信息"))
        .alias("variant"),
        qty.alias("quantity"),
        price.alias("unit_price"),
        line_total.alias("line_total"),
        line_total.filter(~pl.col("__closed")).sum().over("__order").alias("order_total"),
        pl.lit(0.0).alias("refunded"),
        pl.lit("CNY").alias("currency"),
        pl.when(pl.col("__closed").all().over("__order")).then(pl.lit("cancelled"))
        .when(pl.col("__unpaid").all().over("__order")).then(pl.lit("pending"))
        .otherwise(pl.lit("paid"))
        .alias("status"),
        pl.col("__shipped").all().over("__order").alias("fulfilled"),
        pl.lit(False).alias("is_gift"),
        pl.lit("product").alias("line_kind"),
        reasons(
            unparsed(col(frame, "购买数量"), qty, "number", "购买数量"),
            unparsed(col(frame, "价格"), price, "amount", "价格"),
        ).alias(REASON),
    )  # fmt: skip


ORDER_COLUMNS = (
    "订单编号", "买家会员名", "总金额", "买家实际支付金额", "订单状态", "订单创建时间",
    "收货人姓名", "收货地址", "订单付款时间", "退款金额", "买家留言", "宝贝总数量", "买家应付邮费",
)  # fmt: skip
ITEM_COLUMNS = ("订单编号", "标题", "价格", "购买数量", "订单状态", "商家编码", "外部系统编号",
                "商品属性", "规格名称", "套餐信息")  # fmt: skip
"""The columns each build reads (only these are parsed from the file)."""

ORDER_LIST = Format(
    name="taobao-orders",
    title="Taobao/Tmall 订单报表 (ExportOrderList)",
    description="卖家中心 → 已卖出的宝贝 → 批量导出 → 订单报表: one row per order with buyer "
    "(买家会员名), status and refunds; add the 宝贝报表 for products.",
    signature=("订单编号", "买家会员名", "总金额", "买家实际支付金额", "订单状态", "订单创建时间",
               "收货人姓名", "收货地址"),
    required=("订单编号", "买家会员名", "总金额", "订单状态", "订单创建时间"),
    build=build_orders,
    source="taobao",
    columns=ORDER_COLUMNS,
)  # fmt: skip

ITEM_LIST = Format(
    name="taobao-items",
    title="Taobao/Tmall 宝贝报表 (ExportOrderDetailList)",
    description="卖家中心 → 已卖出的宝贝 → 批量导出 → 宝贝报表: one row per item; import it with "
    "the 订单报表, which gives the dates and buyers.",
    signature=("订单编号", "标题", "价格", "购买数量", "订单状态"),
    required=("订单编号", "标题", "价格", "购买数量"),
    build=build_items,
    source="taobao",
    columns=ITEM_COLUMNS,
    waits_for=("taobao-orders", ITEMS_NOTE),
)

TMALL_REPORT = Format(
    name="tmall-order-report",
    title="Tmall order report (7 columns, no buyer)",
    description="The reduced Tmall 订单报表 (订单编号, 总金额, 买家实际支付金额, 收货地址, "
    "订单创建时间, 订单付款时间, 退款金额): revenue and refunds, no customers.",
    signature=("订单编号", "总金额", "买家实际支付金额", "收货地址", "订单创建时间", "订单付款时间",
               "退款金额"),
    required=("订单编号", "总金额", "买家实际支付金额", "订单创建时间", "订单付款时间", "退款金额"),
    build=build_orders,
    customer_note=NO_BUYER_NOTE,
    source="taobao",
    columns=ORDER_COLUMNS,
)  # fmt: skip

FORMATS = [ORDER_LIST, ITEM_LIST, TMALL_REPORT]
