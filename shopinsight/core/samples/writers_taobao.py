"""Writer for Taobao's 订单报表 (ExportOrderList, one row per order) and 宝贝报表
(ExportOrderDetailList, one row per item), as the seller centre's batch export lays them out
(shared/FORMATS.md §6.1): GBK text, CRLF, ids written as Excel formulas `="…"`, Beijing time,
order status in words (交易成功, 交易关闭 …) and refunds in 退款金额.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from shopinsight.core.samples.render import joined, money2, render_csv, write_text

TAOBAO_ORDER_COLUMNS = (
    "订单编号,买家会员名,买家支付宝账号,买家应付货款,买家应付邮费,买家支付积分,总金额,返点积分,"
    "买家实际支付金额,买家实际支付积分,订单状态,买家留言,收货人姓名,收货地址,运送方式,联系电话,"
    "联系手机,订单创建时间,订单付款时间,宝贝标题,宝贝种类,物流单号,物流公司,订单备注,宝贝总数量,"
    "店铺Id,店铺名称,订单关闭原因,卖家服务费,买家服务费,发票抬头,是否手机订单,分阶段订单信息,"
    "定金排名,修改后的sku,修改后的收货地址,异常信息,天猫卡券抵扣,集分宝抵扣,是否是O2O交易,退款金额"
).split(",")
TAOBAO_ITEM_COLUMNS = (
    "订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码"
).split(",")

if TYPE_CHECKING:
    from shopinsight.core.samples.shop import SampleShop


def formula(expr: pl.Expr) -> pl.Expr:
    """`="3154…"`: Taobao writes long ids as Excel formulas so Excel keeps them as text."""
    return pl.format('="{}"', expr)


def _blank(*names: str) -> list[pl.Expr]:
    return [pl.lit(None, pl.Utf8).alias(n) for n in names]


def write_taobao(shop: SampleShop, paths: list[Path]) -> list[Path]:
    """Taobao 订单报表 (one row per order) and 宝贝报表 (one row per item), GBK, CRLF."""
    f = joined(shop, "taobao").filter(pl.col("kind") == "product")
    ts = "%Y-%m-%d %H:%M:%S"
    status = (
        pl.when(pl.col("status").is_in(["cancelled", "refunded"]))
        .then(pl.lit("交易关闭"))
        .when(~pl.col("fulfilled"))
        .then(pl.lit("买家已付款，等待卖家发货"))
        .when(pl.col("days_ago") < 12)
        .then(pl.lit("卖家已发货，等待买家确认"))
        .otherwise(pl.lit("交易成功"))
    )
    paid = pl.col("status") != "cancelled"
    address = pl.format("{} {} {}({})", "ship_region", "ship_city", "ship_address1", "ship_zip")
    f = f.with_columns(status.alias("__status"))
    orders = (
        f.group_by("order_key", maintain_order=True)
        .agg(
            pl.all().exclude("name", "cn_title", "quantity").first(),
            pl.col("cn_title").str.join("，").alias("titles"),
            pl.len().alias("kinds"),
        )
        .sort("order_key", descending=True)
    )
    out = orders.select(
        formula(pl.col("order_id")).alias("订单编号"),
        pl.col("username").alias("买家会员名"),
        pl.format(
            "{}****{}", pl.col("phone").str.slice(0, 3), pl.col("phone").str.slice(7, 4)
        ).alias("买家支付宝账号"),
        money2(pl.col("subtotal")).alias("买家应付货款"),
        money2(pl.col("shipping")).alias("买家应付邮费"),
        pl.lit("0").alias("买家支付积分"),
        money2(pl.col("total")).alias("总金额"),
        pl.lit("0").alias("返点积分"),
        money2(
            pl.when(pl.col("status").is_in(["cancelled", "refunded"]))
            .then(0.0)
            .otherwise(pl.col("total"))
        ).alias("买家实际支付金额"),
        pl.lit("0").alias("买家实际支付积分"),
        pl.col("__status").alias("订单状态"),
        pl.coalesce("gift_message", "note").alias("买家留言"),
        pl.col("ship_name").alias("收货人姓名"),
        address.alias("收货地址"),
        pl.lit("快递").alias("运送方式"),
        pl.lit(None, pl.Utf8).alias("联系电话"),
        pl.format("'{}", pl.col("phone")).alias("联系手机"),
        pl.col("local_at").dt.strftime(ts).alias("订单创建时间"),
        pl.when(paid)
        .then((pl.col("local_at") + pl.duration(minutes=1)).dt.strftime(ts))
        .alias("订单付款时间"),
        pl.col("titles").alias("宝贝标题"),
        pl.col("kinds").alias("宝贝种类"),
        pl.when(pl.col("fulfilled"))
        .then(formula(pl.format("YT{}", pl.col("order_key") * 7919 + 6_000_000_000_000)))
        .alias("物流单号"),
        pl.when(pl.col("fulfilled")).then(pl.lit("圆通速递")).alias("物流公司"),
        pl.lit(None, pl.Utf8).alias("订单备注"),
        pl.col("items").alias("宝贝总数量"),
        pl.lit(None, pl.Utf8).alias("店铺Id"),
        pl.lit("茶与纸小店").alias("店铺名称"),
        pl.when(pl.col("status") == "cancelled")
        .then(pl.lit("买家不想买了"))
        .when(pl.col("status") == "refunded")
        .then(pl.lit("退款"))
        .alias("订单关闭原因"),
        pl.lit("0").alias("卖家服务费"),
        pl.lit("0元").alias("买家服务费"),
        pl.lit(None, pl.Utf8).alias("发票抬头"),
        pl.lit("手机订单").alias("是否手机订单"),
        *_blank("分阶段订单信息", "定金排名", "修改后的sku", "修改后的收货地址", "异常信息"),
        pl.lit("0.00").alias("天猫卡券抵扣"),
        pl.lit("0.00").alias("集分宝抵扣"),
        pl.lit("否").alias("是否是O2O交易"),
        money2(pl.col("refunded")).alias("退款金额"),
    )
    assert out.columns == TAOBAO_ORDER_COLUMNS
    items = f.sort(["order_key", "line_no"], descending=[True, False]).select(
        formula(pl.col("order_id")).alias("订单编号"),
        pl.concat_str("cn_title", pl.lit(" 茶与纸"), ignore_nulls=True).alias("标题"),
        money2(pl.col("unit_price")).alias("价格"),
        pl.col("quantity").alias("购买数量"),
        pl.lit(None, pl.Utf8).alias("外部系统编号"),
        pl.when(pl.col("variant").is_not_null())
        .then(pl.format("规格:{}", pl.col("variant")))
        .alias("商品属性"),
        pl.lit(None, pl.Utf8).alias("套餐信息"),
        pl.lit(None, pl.Utf8).alias("备注"),
        pl.col("__status").alias("订单状态"),
        pl.col("sku").alias("商家编码"),
    )
    assert items.columns == TAOBAO_ITEM_COLUMNS
    return [
        write_text(paths[0], render_csv(out, newline="\r\n", raw=("订单编号", "物流单号")), "gbk"),
        write_text(paths[1], render_csv(items, newline="\r\n", raw=("订单编号",)), "gbk"),
    ]
