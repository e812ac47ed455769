"""Rewrite a GGUF file with changes (fields, tensors, architecture): makes the broken inputs the
error tests feed to `dp import`."""

from __future__ import annotations

import numpy as np


def rewrite_gguf(src, dst, *, arch: str | None = None, set_fields: dict | None = None, drop_fields=(),
                 drop_tensors=(), tensors: dict | None = None) -> None:
    """Copy `src` to `dst`, changing what is asked.

    set_fields: key -> (value, GGUFValueType[, sub type]); tensors: name -> (array, GGMLQuantizationType
    or None) replacing or adding a tensor (uint8 arrays are raw blocks of the given type)."""
    import gguf

    r = gguf.GGUFReader(str(src))
    old_arch = r.fields["general.architecture"].contents()
    w = gguf.GGUFWriter(str(dst), arch or old_arch)
    set_fields = dict(set_fields or {})
    for key, f in r.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture" or key in drop_fields or key in set_fields:
            continue
        sub = f.types[-1] if f.types[0] == gguf.GGUFValueType.ARRAY else None
        w.add_key_value(key, f.contents(), f.types[0], sub)
    for key, spec in set_fields.items():
        w.add_key_value(key, *spec)
    replace = dict(tensors or {})
    for t in r.tensors:
        if t.name in drop_tensors:
            continue
        if t.name in replace:
            data, qtype = replace.pop(t.name)
        else:
            data = np.array(t.data)
            qtype = None if t.tensor_type.name in ("F32", "F16") else t.tensor_type
        w.add_tensor(t.name, data, raw_dtype=qtype)
    for name, (data, qtype) in replace.items():
        w.add_tensor(name, data, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
