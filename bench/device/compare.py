"""Tensor-by-tensor comparison of two merged checkpoints (bf16 bit patterns)."""
import json, sys
from pathlib import Path
import torch
from safetensors import safe_open

a_dir, b_dir = Path(sys.argv[1]), Path(sys.argv[2])
def index(d):
    out = {}
    for f in sorted(d.glob("*.safetensors")):
        with safe_open(str(f), framework="pt") as h:
            for k in h.keys():
                out[k] = f
    return out
ia, ib = index(a_dir), index(b_dir)
res = {"tensors_a": len(ia), "tensors_b": len(ib), "only_a": sorted(set(ia) - set(ib)), "only_b": sorted(set(ib) - set(ia)), "identical": 0, "differing": [], "elements": 0, "diff_elements": 0, "max_ulp": 0, "max_abs": 0.0}
for k in sorted(set(ia) & set(ib)):
    with safe_open(str(ia[k]), framework="pt") as ha, safe_open(str(ib[k]), framework="pt") as hb:
        x, y = ha.get_tensor(k), hb.get_tensor(k)
    res["elements"] += x.numel()
    if x.dtype != y.dtype or x.shape != y.shape:
        res["differing"].append({"name": k, "why": f"{x.dtype}{tuple(x.shape)} vs {y.dtype}{tuple(y.shape)}"})
        continue
    if x.dtype in (torch.bfloat16, torch.float16):
        xi, yi = x.view(torch.int16).to(torch.int32), y.view(torch.int16).to(torch.int32)
    else:
        xi, yi = x.contiguous().view(torch.uint8).to(torch.int32), y.contiguous().view(torch.uint8).to(torch.int32)
    if torch.equal(xi, yi):
        res["identical"] += 1
        continue
    n = int((xi != yi).sum())
    ulp = int((xi - yi).abs().max())
    ad = float((x.float() - y.float()).abs().max())
    res["diff_elements"] += n
    res["max_ulp"] = max(res["max_ulp"], ulp)
    res["max_abs"] = max(res["max_abs"], ad)
    res["differing"].append({"name": k, "elements": n, "of": x.numel(), "max_ulp": ulp, "max_abs": ad})
res["differing_count"] = len(res["differing"])
res["differing"] = res["differing"][:20]
print(json.dumps(res, indent=1))
