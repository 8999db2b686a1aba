"""Same prompt and settings as `bench_llm` (greedy, 32 new tokens), through llama.cpp
(the `cyllama` wheel). Usage: python bench/llamacpp_compare.py MODEL.gguf [GEN]"""
import re, sys, time
from cyllama import LLM, GenerationConfig

src = open(__file__.replace("bench/llamacpp_compare.py", "src/bin/bench_llm.rs"), encoding="utf-8").read()
def lit(name):
    s = re.search(name + r': &str = "(.*?)";', src, re.S).group(1)
    s = re.sub(r"\\\n\s*", "", s)
    return s.replace("\\n", "\n")
prompt = (f"<|im_start|>system\n{lit('SYSTEM')}<|im_end|>\n<|im_start|>user\n{lit('USER')}<|im_end|>\n"
          "<|im_start|>assistant\n- ")
gen = int(sys.argv[2]) if len(sys.argv) > 2 else 32
cfg = GenerationConfig(max_tokens=gen, temperature=0.0, n_ctx=1024, add_bos=False, parse_special=True,
                       n_gpu_layers=0, repeat_penalty=1.0, seed=42)
t = time.time()
llm = LLM(sys.argv[1], config=cfg)
print(f"llama.cpp loaded in {time.time()-t:.1f} s")
# cyllama leaves the timing fields at 0 here: time a 1-token run for the prompt, then the full run.
one = GenerationConfig(**{**cfg.__dict__, "max_tokens": 1})
for run in range(2):
    t0 = time.time(); llm.generate_with_stats(prompt, one); tp = time.time() - t0
    t0 = time.time(); r = llm.generate_with_stats(prompt, cfg); tt = time.time() - t0
    n_prompt = len(llm.tokenize(prompt, add_special=False, parse_special=True)) if hasattr(llm, "tokenize") else r.stats.prompt_tokens
    n_gen = r.stats.generated_tokens
    print(f"run {run}: prompt {n_prompt} tokens in {tp:.2f} s = {n_prompt/tp:.1f} tok/s; "
          f"generated {n_gen} tokens in {tt-tp:.2f} s = {(n_gen-1)/max(tt-tp,1e-9):.1f} tok/s")
    print("  output:", repr(str(r)))
