"""The anonymity rules: the threshold k, which groups are hidden, and when answers are released.

Pure: no Django. docs/surveys.md explains the rules and why they are enough.
"""

from collections.abc import Mapping
from typing import Any

MIN_ANONYMITY_THRESHOLD = 3
# Far above any real group, and far below the database column's limit (a small integer).
MAX_ANONYMITY_THRESHOLD = 1000


def threshold_validate(threshold: int) -> int:
    """The anonymity threshold k: a whole number, never below 3 nor above 1000."""
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise ValueError("The anonymity threshold must be a whole number.")
    if threshold < MIN_ANONYMITY_THRESHOLD:
        raise ValueError(f"The anonymity threshold can never be below {MIN_ANONYMITY_THRESHOLD}.")
    if threshold > MAX_ANONYMITY_THRESHOLD:
        raise ValueError(f"The anonymity threshold can be at most {MAX_ANONYMITY_THRESHOLD}.")
    return threshold


def hidden_groups(counts: Mapping[str, int], threshold: int) -> set[str]:
    """The groups of a partition whose figures must be hidden.

    `counts` partitions the respondents of a view that is shown as a whole (the overall group)
    into groups (teams, months, sources…). A group smaller than the threshold is hidden
    (primary suppression). If the hidden groups together hold some but fewer than `threshold`
    respondents, the whole minus the visible groups would give them away, so the smallest
    visible group is hidden too, and so on (complementary suppression). When the whole is
    below the threshold every group is hidden.
    """
    threshold_validate(threshold)
    if sum(counts.values()) < threshold:
        return set(counts)
    hidden = {group for group, count in counts.items() if count < threshold}
    while 0 < sum(counts[group] for group in hidden) < threshold:
        visible = sorted((counts[g], g) for g in counts if g not in hidden)
        if not visible:
            break
        hidden.add(visible[0][1])
    return hidden


def is_hidden(count: int, threshold: int) -> bool:
    """A single group (not part of a shown partition) is hidden below the threshold."""
    return count < threshold


def hidden_note(threshold: int) -> str:
    return f"hidden: fewer than {threshold} responses"


def hidden(threshold: int) -> dict[str, Any]:
    """What a hidden group shows instead of figures: no count, mean or distribution."""
    return {"hidden": True, "note": hidden_note(threshold)}


def release_due(
    *, is_alignment: bool, pending: int, threshold: int, closing: bool, released_before: bool
) -> bool:
    """Whether a survey's pending answers join its results now.

    Results change only by whole releases, so a release must never be a group an observer
    could isolate by reading before and after it: an alignment wave releases once, at close;
    a customer survey when at least k answers are pending. At close, what is left of a
    customer survey is released only if it is k or more, or if nothing was ever released (its
    results are then hidden anyway when fewer than k).
    """
    if pending <= 0:
        return False
    if is_alignment:
        return closing
    if pending >= threshold:
        return True
    return closing and not released_before


# --- Customer surveys (NPS, CSAT) ------------------------------------------------------------
