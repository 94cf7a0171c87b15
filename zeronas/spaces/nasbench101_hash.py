"""NAS-Bench-101's graph hash, written from its published definition.

Every vertex starts from the MD5 of the text `(out_degree, in_degree, label)`; then, as many times as
the cell has vertices, each vertex's hash becomes the MD5 of its in-neighbours' hashes (sorted,
concatenated) + "|" + its out-neighbours' hashes (sorted, concatenated) + "|" + its own hash. The cell's
hash is the MD5 of Python's text form of the sorted list of final vertex hashes. Hashes are 32-char
lowercase hex digests throughout, and labels are -1 input, -2 output, 0/1/2 for the three ops. Nothing
depends on vertex numbering, so every relabelling of a cell hashes the same, which is why the benchmark
keys its table by this value.

`cell_hash` hashes one cell with hashlib. `hash_many` computes the same for a whole table at once with
MD5 vectorised over cells in NumPy (the table's 423,624 cells need about 24 million MD5s: a Python loop
would take minutes).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np


def _md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("ascii")).hexdigest()


def cell_hash(matrix: Sequence[Sequence[int]], labels: Sequence[int]) -> str:
    """The NAS-Bench-101 hash of one (pruned) cell: upper-triangular 0/1 matrix and integer labels."""
    n = len(labels)
    preds = [[w for w in range(n) if matrix[w][v]] for v in range(n)]
    succs = [[w for w in range(n) if matrix[v][w]] for v in range(n)]
    hashes = [_md5_hex(str((len(succs[v]), len(preds[v]), int(labels[v])))) for v in range(n)]
    for _ in range(n):
        hashes = [
            _md5_hex(
                "".join(sorted(hashes[w] for w in preds[v]))
                + "|"
                + "".join(sorted(hashes[w] for w in succs[v]))
                + "|"
                + hashes[v]
            )
            for v in range(n)
        ]
    return _md5_hex(str(sorted(hashes)))


# --- MD5 over many messages at once (RFC 1321), one NumPy lane per message --------------------------

_SHIFTS = [7, 12, 17, 22] * 4 + [5, 9, 14, 20] * 4 + [4, 11, 16, 23] * 4 + [6, 10, 15, 21] * 4
_CONSTANTS = np.array([int(abs(math.sin(i + 1)) * 2**32) & 0xFFFFFFFF for i in range(64)], dtype=np.uint32)
_WORD_INDEX = [
    i if i < 16 else (5 * i + 1) % 16 if i < 32 else (3 * i + 5) % 16 if i < 48 else (7 * i) % 16 for i in range(64)
]
_INITIAL_STATE = np.array([0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476], dtype=np.uint32)
_HEX_PAIRS = np.array([int.from_bytes(f"{b:02x}".encode(), "little") for b in range(256)], dtype="<u2")
_BAR = ord("|")


def _compress(state: list[np.ndarray], words: np.ndarray) -> None:
    """One 64-byte block for every lane: state (4 arrays of M) updated in place; words is 16×M.

    Written with in-place ufuncs into two scratch arrays: temporaries dominate the cost otherwise.
    """
    a, b, c, d = (s.copy() for s in state)
    f, t = np.empty_like(a), np.empty_like(a)
    for i in range(64):
        if i < 16:  # F = (b & c) | (~b & d)
            np.bitwise_and(b, c, out=f)
            np.invert(b, out=t)
            t &= d
            f |= t
        elif i < 32:  # G = (d & b) | (~d & c)
            np.bitwise_and(d, b, out=f)
            np.invert(d, out=t)
            t &= c
            f |= t
        elif i < 48:  # H = b ^ c ^ d
            np.bitwise_xor(b, c, out=f)
            f ^= d
        else:  # I = c ^ (b | ~d)
            np.invert(d, out=t)
            t |= b
            np.bitwise_xor(c, t, out=f)
        f += a
        f += _CONSTANTS[i]
        f += words[_WORD_INDEX[i]]
        shift = np.uint32(_SHIFTS[i])
        np.right_shift(f, np.uint32(32) - shift, out=t)
        f <<= shift
        f |= t
        f += b
        a, d, c, b, f = d, c, b, f, a  # a's old buffer becomes the next scratch
    for s, x in zip(state, (a, b, c, d)):
        s += x


def md5_many(messages: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """MD5 digests (M×16 uint8) of M byte strings: the first lengths[i] bytes of row i of messages.

    Bytes past each length must be zero; the padding is written into messages when it is wide enough.
    Lanes sorted by decreasing length skip the gather of the lanes still active for later blocks.
    """
    count = len(lengths)
    lengths = lengths.astype(np.int64)
    blocks = (lengths + 8) // 64 + 1
    most = int(blocks.max(initial=1))
    if messages.shape[1] < 64 * most or messages.dtype != np.uint8 or not messages.flags.c_contiguous:
        wider = np.zeros((count, 64 * most), dtype=np.uint8)
        wider[:, : min(messages.shape[1], 64 * most)] = messages[:, : 64 * most]
        messages = wider
    rows = np.arange(count)
    messages[rows, lengths] = 0x80
    messages.view("<u8")[rows, 8 * blocks - 1] = lengths * 8  # length in bits ends the last block
    words = messages.view("<u4")
    state = [np.full(count, x, dtype=np.uint32) for x in _INITIAL_STATE]
    for block in range(most):
        lanes = np.flatnonzero(blocks > block)
        chunk = slice(16 * block, 16 * block + 16)
        if len(lanes) and lanes[-1] == len(lanes) - 1:  # a prefix: work on views of the state
            _compress([s[: len(lanes)] for s in state], np.ascontiguousarray(words[: len(lanes), chunk].T))
        else:
            part = [s[lanes] for s in state]
            _compress(part, np.ascontiguousarray(words[lanes, chunk].T))
            for s, p in zip(state, part):
                s[lanes] = p
    return np.stack(state, axis=1).astype("<u4").view(np.uint8).reshape(count, 16)


def _hex(digests: np.ndarray) -> np.ndarray:
    """...×16 digest bytes -> ...×32 lowercase hex characters (as uint8)."""
    return _HEX_PAIRS[digests].view(np.uint8)


def _sorted_order(digests: np.ndarray) -> np.ndarray:
    """Per cell, vertex indices in ascending order of their hex hash (n×V digests -> n×V indices)."""
    keys = np.ascontiguousarray(digests).view(">u8")  # n×V×2: big-endian halves sort like the hex text
    first = np.argsort(keys[..., 1], axis=1, kind="stable")
    high = np.take_along_axis(keys[..., 0], first, axis=1)
    return np.take_along_axis(first, np.argsort(high, axis=1, kind="stable"), axis=1)


def _initial_digests(adj: np.ndarray, labels: np.ndarray) -> np.ndarray:
    out_deg, in_deg = adj.sum(axis=2), adj.sum(axis=1)
    code = (out_deg.astype(np.int64) * 16 + in_deg) * 16 + (labels.astype(np.int64) + 2)
    unique, inverse = np.unique(code, return_inverse=True)
    table = np.array(
        [
            np.frombuffer(
                hashlib.md5(str((int(c) // 256, int(c) // 16 % 16, int(c) % 16 - 2)).encode()).digest(), dtype=np.uint8
            )
            for c in unique
        ]
    )
    return table[inverse.reshape(code.shape)]


class _Lanes:
    """The messages of one refinement round, one lane per (cell, vertex), grouped by in/out degree.

    Degrees never change between rounds, so the grouping is computed once: within a group every message
    has the same layout (a in-neighbour chunks, bar, b out-neighbour chunks, bar, own chunk), and lanes
    are ordered by decreasing length so MD5's later blocks run on a prefix.
    """

    def __init__(self, adj: np.ndarray):
        n, v_count = adj.shape[:2]
        flat_in = adj.transpose(0, 2, 1).reshape(n * v_count, v_count)  # row c*V+v: in-neighbours of v
        flat_out = adj.reshape(n * v_count, v_count)
        n_in, n_out = flat_in.sum(axis=1), flat_out.sum(axis=1)
        self.order = np.lexsort((n_out, n_in, -(n_in + n_out)))
        self.lengths = (32 * (n_in + n_out + 1) + 2)[self.order]
        self.width = 64 * -(-(32 * v_count + 2 + 9) // 64)
        first_vertex = (self.order // v_count * v_count)[:, None]
        self.groups = []
        bounds = np.flatnonzero(np.diff(n_in[self.order] * 8 + n_out[self.order])) + 1
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(self.order)]):
            lanes = self.order[lo:hi]
            a, b = int(n_in[lanes[0]]), int(n_out[lanes[0]])
            ins = np.nonzero(flat_in[lanes])[1].reshape(hi - lo, a) + first_vertex[lo:hi]
            outs = np.nonzero(flat_out[lanes])[1].reshape(hi - lo, b) + first_vertex[lo:hi]
            self.groups.append((lo, hi, a, b, ins, outs, lanes))

    def refine(self, digests: np.ndarray) -> np.ndarray:
        """One neighbourhood-hashing round: n×V×16 digests -> the next n×V×16 digests."""
        n, v_count = digests.shape[:2]
        hex_rows = _hex(digests).reshape(n * v_count, 32)
        rank = np.empty(n * v_count, dtype=np.int64)
        rank[(_sorted_order(digests) + np.arange(n)[:, None] * v_count).ravel()] = np.tile(np.arange(v_count), n)
        messages = np.zeros((len(self.order), self.width), dtype=np.uint8)
        for lo, hi, a, b, ins, outs, lanes in self.groups:
            at = 0
            for neighbours in (ins, outs):
                k = neighbours.shape[1]
                if k:
                    ranked = np.take_along_axis(neighbours, np.argsort(rank[neighbours], axis=1), axis=1)
                    messages[lo:hi, at : at + 32 * k] = hex_rows[ranked].reshape(hi - lo, 32 * k)
                messages[lo:hi, at + 32 * k] = _BAR
                at += 32 * k + 1
            messages[lo:hi, at : at + 32] = hex_rows[lanes]
        out = np.empty((len(self.order), 16), dtype=np.uint8)
        out[self.order] = md5_many(messages, self.lengths)
        return out.reshape(n, v_count, 16)


def _fingerprint(digests: np.ndarray) -> np.ndarray:
    """MD5 of str(sorted(hex hashes)) per cell: "['h1', 'h2', ...]"."""
    n, v_count = digests.shape[:2]
    ordered = np.take_along_axis(_hex(digests), _sorted_order(digests)[..., None], axis=1)
    quoted = np.concatenate(
        [
            np.full((n, v_count, 1), ord("'"), np.uint8),
            ordered,
            np.broadcast_to(np.frombuffer(b"', ", np.uint8), (n, v_count, 3)),
        ],
        axis=2,
    )
    text = np.concatenate(
        [np.full((n, 1), ord("["), np.uint8), quoted.reshape(n, -1)[:, :-2], np.full((n, 1), ord("]"), np.uint8)],
        axis=1,
    )
    return md5_many(text, np.full(n, text.shape[1]))


def hash_many(adjacency: np.ndarray, labels: np.ndarray, num_vertices: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """NAS-Bench-101 hashes (array of 32-char str) of cells stored zero-padded to 7 vertices."""
    out = np.empty(len(num_vertices), dtype="S32")
    for v_count in np.unique(num_vertices):
        rows = np.flatnonzero(num_vertices == v_count)
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            adj = adjacency[part, :v_count, :v_count].astype(bool)
            digests = _initial_digests(adj, labels[part, :v_count])
            lanes = _Lanes(adj)
            for _ in range(v_count):
                digests = lanes.refine(digests)
            out[part] = _hex(_fingerprint(digests)).view("S32").ravel()
    return out.astype("U32")
