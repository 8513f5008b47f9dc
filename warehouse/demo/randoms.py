"""Vectorised drawing helpers shared by every part of the generator (weighted choice inside groups,
unique integers, dates, citizen-ID serials, device serials and IMEIs). Every draw takes the one
`numpy.random.Generator` passed in, in a fixed order: one seed gives byte-identical files.
"""

from __future__ import annotations

import numpy as np

from warehouse.demo.settings import ID_SERIALS


def pick_in_groups(item_group: np.ndarray, cand_group: np.ndarray, cand_weight: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
    """For each item, the index of a candidate of the same group, drawn by weight (vectorised).

    Candidates are laid on one axis as group + cumulative share within the group; a uniform draw
    added to the item's group then lands on a candidate of that group. Every group used by an item
    must have a candidate.
    """
    order = np.argsort(cand_group, kind="stable")
    g, w = cand_group[order], cand_weight[order].astype(float)
    n_groups = int(max(g.max(initial=0), item_group.max(initial=0))) + 1
    totals = np.bincount(g, weights=w, minlength=n_groups)
    if (totals[np.unique(item_group)] <= 0).any():
        raise ValueError("a group without candidates")
    before = np.cumsum(w) - w
    group_start = np.zeros(n_groups)
    first = np.r_[True, g[1:] != g[:-1]]
    group_start[g[first]] = before[first]
    key = g + (before - group_start[g]) / totals[g]
    pos = np.searchsorted(key, item_group + rng.random(item_group.size), side="right") - 1
    return order[pos]


def pick(rng: np.random.Generator, options: tuple[str, ...] | np.ndarray, n: int,
            p: np.ndarray | None = None) -> np.ndarray:
    """n draws from `options` (as a numpy string array)."""
    opts = np.asarray(options)
    return opts[rng.choice(opts.size, size=n, p=p)]


def id_serials(rng: np.random.Generator, prov: np.ndarray, csd: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """Serials below ID_SERIALS such that the 12-digit IDs (prov, century/sex, year, serial) are distinct.

    At national scale there are more children than serials, so distinctness is per ID, not per serial:
    draw, then redraw the later of any colliding pair until none is left (a few rounds)."""
    head = ((prov.astype(np.int64) * 10 + csd) * 100 + birth_year % 100) * ID_SERIALS
    serial = rng.integers(0, ID_SERIALS, prov.size)
    for _ in range(50):
        key = head + serial
        order = np.argsort(key, kind="stable")
        clash = order[1:][key[order][1:] == key[order][:-1]]
        if not clash.size:
            return serial
        serial[clash] = rng.integers(0, ID_SERIALS, clash.size)
    raise RuntimeError("could not draw distinct student IDs")


def unique_ints(rng: np.random.Generator, n: int, high: int) -> np.ndarray:
    """n distinct integers in [0, high), in random order."""
    return rng.choice(high, size=n, replace=False)


def base36(values: np.ndarray, width: int) -> np.ndarray:
    """Upper-case base-36 strings of fixed width (serial numbers)."""
    alphabet = np.array(list("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"))  # no I/O, as on labels
    base = alphabet.size
    digits = np.stack([(values // base ** k) % base for k in range(width - 1, -1, -1)], axis=1)
    return np.ascontiguousarray(alphabet[digits]).view(f"<U{width}").ravel()


def imei(values: np.ndarray) -> np.ndarray:
    """15-digit IMEIs ("35" + 12 digits + Luhn check digit)."""
    body = np.char.zfill(values.astype(str), 12)
    digits = np.stack([np.full(values.size, 3), np.full(values.size, 5)]
                      + [(values // 10 ** k) % 10 for k in range(11, -1, -1)], axis=1)
    doubled = digits.copy()
    doubled[:, 1::2] *= 2  # Luhn: double every second digit from the left of the 14-digit body
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    check = (10 - doubled.sum(axis=1) % 10) % 10
    return np.strings.add(np.strings.add("35", body), check.astype(str))


def random_dates(rng: np.random.Generator, start: np.ndarray | np.datetime64, span_days: np.ndarray | int,
                  n: int) -> np.ndarray:
    """start + U[0, span) days."""
    return start + np.floor(rng.random(n) * span_days).astype("timedelta64[D]")
