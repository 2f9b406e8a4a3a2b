"""A product chosen by the merchant as a segment's gift (e.g. from a bundle in the app).

The choice is stored where the gift policies live, `skus` of the segment's policy in
[gifts.segments], so the gift picks try it first for every customer of the segment who has not
bought it (and whose budget it fits). This module only works out the settings to change and
says what they do; `settings_writer.save_settings` writes them, keeping the file's comments.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from shopinsight.core.errors import ConfigError
from shopinsight.core.gifts.policies import DEFAULT_POLICY, PRODUCT_KINDS, gift_policies

Path_ = tuple[str, ...]


def gift_segments(settings: Mapping[str, Any]) -> list[str]:
    """The segments with a gift policy in [gifts.segments] (the default policy left out)."""
    return [s for s in gift_policies(settings).segments if s != DEFAULT_POLICY]


def needs_kind(settings: Mapping[str, Any], segment: str) -> bool:
    """Whether the segment's policy gives no product today (card or nothing), so the merchant
    must say whether the chosen product goes as a sample or full size."""
    return gift_policies(settings).for_segment(segment).kind not in PRODUCT_KINDS


def gift_choice(
    settings: Mapping[str, Any],
    segment: str,
    sku: str,
    name: str,
    unit_price: float | None,
    currency: str | None,
    kind: str | None = None,
) -> tuple[dict[Path_, Any], str]:
    """The settings changes that make `sku` the first-choice gift of `segment`, and what they
    do in a sentence. A card-only policy becomes `kind` (sample or full_size); when it has no
    budget, the budget becomes what the gift costs (so it is never silently replaced by a
    card). Raises ConfigError for a segment without a policy or a missing kind."""
    policies = gift_policies(settings)
    if segment not in policies.segments or segment == DEFAULT_POLICY:
        raise ConfigError(
            f"No gift policy for '{segment}'",
            "Pick a segment listed in [gifts.segments] of shopinsight.toml.",
        )
    policy = policies.segments[segment]
    path = ("gifts", "segments", segment)
    changes: dict[Path_, Any] = {(*path, "skus"): [sku]}
    new_kind = policy.kind
    if policy.kind not in PRODUCT_KINDS:
        if kind not in PRODUCT_KINDS:
            raise ConfigError(
                f"{segment} gets no product today",
                "Say whether the gift goes as a sample or full size.",
            )
        new_kind = str(kind)
        changes[(*path, "kind")] = new_kind
        # the old purpose ("no physical gift") would now say the opposite of the policy
        what = "a sample of" if new_kind == "sample" else "full-size"
        changes[(*path, "purpose")] = f"{what} {name}, chosen from a bundle"
    share_key = "sample_cost_share" if new_kind == "sample" else "product_cost_share"
    cost = None if unit_price is None else unit_price * policies.settings[share_key]
    what = "a sample of" if new_kind == "sample" else "full-size"
    money = f" ({cost:,.2f} {currency or ''})".replace(" )", ")") if cost is not None else ""
    words = f"{segment} now get {what} {name}{money} first, where they have not bought it"
    if policy.budget is None and policy.budget_pct is None:
        if cost is None:
            raise ConfigError(
                f"No price for {name}",
                f"{segment} has no gift budget and {name} has no usual price to set one from. "
                f"Set a budget for {segment} in Settings first.",
            )
        budget = math.ceil(cost * 100) / 100
        changes[(*path, "budget")] = budget
        words += f"; their budget is set to {budget:,.2f} (change it in Settings)"
    elif policy.budget is not None and cost is not None and cost > policy.budget:
        words += f"; it costs more than their {policy.budget:,.2f} budget, so few will get it"
    return changes, words + "."
