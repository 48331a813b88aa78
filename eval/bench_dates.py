"""Cost of the question time parser (jionlp): import, first parse (loads its dictionaries), then per question.

    python eval/bench_dates.py
"""

import statistics
import time
from datetime import date

t0 = time.perf_counter()
from rag.search.dates import _extractor, find

_extractor()
imported = time.perf_counter() - t0

QUESTIONS = ["去年关于垃圾分类的报道", "今年3月的报道有哪些", "2021年3月第4版讲了什么", "上个月有什么新闻",
             "2020年以来的文明城市创建", "最近一周的报道", "二〇二一年三月五日的报道", "谁带着志愿者给居民理发？",
             "2019年至2021年的报道", "请问去年8月11日太原开了什么会？"]
today = date(2026, 11, 23)
t0 = time.perf_counter()
find(QUESTIONS[0], today)
first = time.perf_counter() - t0
times = []
for _ in range(20):
    for q in QUESTIONS:
        t0 = time.perf_counter()
        find(q, today)
        times.append(time.perf_counter() - t0)
times.sort()
print(f"import jionlp: {imported * 1000:.0f} ms")
print(f"first parse (dictionaries load): {first * 1000:.0f} ms")
print(f"per question over {len(times)}: p50 {statistics.median(times) * 1000:.2f} ms, "
      f"p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms")
