"""Does every line a worker can write decode to a message or a ProtocolError, and nothing else?

The worker runs student code, which can write any bytes to the grader's channel. Each forged
line here once crashed the grader or made it allocate without bound.
"""
from __future__ import annotations

import base64
import json

import pytest
import torch

from autograder.sandbox import protocol


def _answer(ok: bytes) -> bytes:
    """A reply line as the worker encodes one (the message itself is an encoded dictionary)."""
    return b'{"__dict__": [["id", 0], ["ok", ' + ok + b"]]}"


def _tensor_line(shape, data=b"", dtype="float32") -> bytes:
    value = {"__tensor__": dtype, "shape": shape, "data": base64.b64encode(data).decode()}
    return _answer(json.dumps(value, allow_nan=True).encode())


FORGED = {
    "shape_infinity": _answer(b'{"__tensor__": "float32", "shape": [Infinity], "data": ""}'),
    "shape_nan": _answer(b'{"__tensor__": "float32", "shape": [NaN], "data": ""}'),
    "shape_float": _tensor_line([2.0], b"\0" * 8),
    "shape_huge": _tensor_line([2 ** 62, 4]),
    "shape_huge_with_zero": _tensor_line([0, 2 ** 62]),
    "shape_product_overflow": _tensor_line([2 ** 20] * 8),
    "shape_negative": _tensor_line([-1], b"\0" * 4),
    "shape_too_many_dims": _tensor_line([1] * 100, b"\0" * 4),
    "shape_not_a_list": _tensor_line("4", b"\0" * 16),
    "shape_bool": _tensor_line([True], b"\0" * 4),
    "shape_missing": _answer(b'{"__tensor__": "float32", "data": ""}'),
    "shape_bigint": _answer(b'{"__tensor__": "float32", "shape": [' + b"9" * 5000 + b'], "data": ""}'),
    "dtype_unknown": _tensor_line([1], b"\0" * 8, dtype="complex128"),
    "dtype_object": _tensor_line([1], b"\0" * 8, dtype="object"),
    "dtype_not_text": _tensor_line([1], b"\0" * 4, dtype=["float32"]),
    "size_mismatch": _tensor_line([3], b"\0" * 8),
    "bad_base64": _answer(b'{"__tensor__": "uint8", "shape": [3], "data": "@@@@"}'),
    "data_not_text": _answer(b'{"__tensor__": "uint8", "shape": [1], "data": 5}'),
    "nested_deep": _answer(b"[" * 100_000 + b"]" * 100_000),
    "nested_past_limit": _answer(b"[" * 40 + b"]" * 40),
    "dict_pairs_broken": _answer(b'{"__dict__": [[1, 2, 3]]}'),
    "dict_unhashable_key": _answer(b'{"__dict__": [[[1], 2]]}'),
    "dict_not_list": _answer(b'{"__dict__": 7}'),
    "unknown_object": _answer(b'{"x": 1}'),
    "not_an_object": b"[1, 2, 3]",
    "not_json": b"\xff\xfe garbage",
    "truncated": _answer(b"[1, 2")[:-3],
    "bigint_value": _answer(b"9" * 10_000),
}


@pytest.mark.parametrize("line", FORGED.values(), ids=FORGED.keys())
def test_forged_lines_are_protocol_errors(line):
    """Does each forged line raise ProtocolError, not OverflowError, MemoryError or anything else?"""
    with pytest.raises(protocol.ProtocolError):
        protocol.loads(line)


def test_a_valid_forged_line_decodes():
    """Is the forged lines' framing right, so that each of them fails for its own reason?"""
    assert protocol.loads(_tensor_line([2], b"\0" * 8))["ok"].shape == (2,)
    assert protocol.loads(_answer(b"[" * 30 + b"]" * 30))["id"] == 0


def test_honest_messages_round_trip():
    """Do the tensors, dictionaries and nesting the probes use still travel unchanged?"""
    message = {"id": 3, "ok": {"z": torch.randn(2, 3), "grads": [torch.arange(4), torch.zeros(0, 5)],
                               "flags": torch.tensor([True, False]), "nested": [[[[1.5]]]], "nan": float("nan")}}
    decoded = protocol.loads(protocol.dumps(message))
    assert torch.equal(decoded["ok"]["z"], message["ok"]["z"])
    assert torch.equal(decoded["ok"]["grads"][0], message["ok"]["grads"][0])
    assert decoded["ok"]["grads"][1].shape == (0, 5)
    assert torch.equal(decoded["ok"]["flags"], message["ok"]["flags"])
    assert decoded["ok"]["nested"] == [[[[1.5]]]]
