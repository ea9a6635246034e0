"""PEFT reference merge, timed: load -> PeftModel -> merge_and_unload -> save_pretrained."""
import json, os, resource, sys, time
import torch
from transformers import AutoModelForCausalLM
from peft import PeftModel

base, adapter, out = sys.argv[1:4]
t0 = time.time()
model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.bfloat16)
t1 = time.time()
model = PeftModel.from_pretrained(model, adapter)
t2 = time.time()
merged = model.merge_and_unload()
t3 = time.time()
merged.save_pretrained(out, max_shard_size="5GB")
t4 = time.time()
print(json.dumps({"tool": "peft", "threads": torch.get_num_threads(), "load": t1 - t0, "adapter": t2 - t1, "merge": t3 - t2, "save": t4 - t3, "total": t4 - t0, "maxrss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
