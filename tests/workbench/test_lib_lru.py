"""The bounded cache behind the coding page's lines (workbench/lib/lru.py)."""

from __future__ import annotations

from workbench.lib.lru import SizedLRU


def _cache(budget=10):
    return SizedLRU(budget, lambda key, value: len(value))


def test_add_keeps_a_new_value_and_counts_its_size():
    cache = _cache()
    cache.add("a", "xyz")
    assert cache.get("a") == "xyz" and cache.size == 3 and len(cache) == 1


def test_add_after_another_put_keeps_the_first_value_and_its_size_once():
    cache = _cache()
    cache.put("a", "xyz")
    cache.add("a", "other!")  # another thread put it since this one's miss
    assert cache.get("a") == "xyz" and cache.size == 3


def test_add_drops_the_least_recently_used_beyond_the_budget():
    cache = _cache(budget=6)
    cache.add("a", "aaa")
    cache.add("b", "bbb")
    cache.get("a")  # a is now the most recent
    cache.add("c", "ccc")
    assert cache.get("b") is None and cache.get("a") == "aaa" and cache.get("c") == "ccc"
    assert cache.size == 6


def test_a_value_larger_than_the_budget_is_not_kept():
    cache = _cache(budget=2)
    cache.add("a", "aaa")
    assert cache.get("a") is None and cache.size == 0
