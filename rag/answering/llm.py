"""A client for any OpenAI-compatible chat endpoint that writes answers from numbered sources.

The model sees the passages numbered [1]..[n] and is told to cite them and to refuse when they do not
answer; the answer stage checks its markers afterwards (rag.answering.compose.generated)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import httpx

from rag.answering.types import REFUSAL
from rag.types import Hit

SYSTEM_PROMPT = (
    "你是一个严谨的问答助手。只根据下面编号的资料回答问题，用中文作答。"
    "每一句话后面用方括号标注它依据的资料编号，例如[1]或[2]。"
    f"如果资料不能回答问题，只回答：{REFUSAL}"
)


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 60.0
    temperature: float = 0.1

    def __post_init__(self):
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"LLM base URL must start with http:// or https://, got '{self.base_url}'")
        if not self.model:
            raise ValueError("an LLM model name is required (RAG_LLM_MODEL)")


def build_messages(question: str, hits: list[Hit]) -> list[dict]:
    sources = "\n\n".join(f"[{i}] 《{h.chunk.title}》（{h.chunk.doc_id}）\n{h.chunk.text}" for i, h in enumerate(hits, 1))
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"资料：\n{sources}\n\n问题：{question}"}]


class LLMClient:
    def __init__(self, config: LLMConfig):
        self.config = config
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self.http = httpx.Client(base_url=config.base_url.rstrip("/"), headers=headers, timeout=config.timeout)

    def _body(self, messages: list[dict], stream: bool) -> dict:
        return {"model": self.config.model, "messages": messages, "temperature": self.config.temperature,
                "stream": stream}

    def complete(self, question: str, hits: list[Hit]) -> str:
        """The model's answer text, markers unchecked."""
        r = self.http.post("/chat/completions", json=self._body(build_messages(question, hits), False))
        r.raise_for_status()
        return r.json()["choices"][0]["message"]["content"] or ""

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str]:
        """Raw content deltas as the model produces them (markers are checked by the caller at the end)."""
        import json

        with self.http.stream("POST", "/chat/completions",
                              json=self._body(build_messages(question, hits), True)) as r:
            r.raise_for_status()
            for line in r.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                if delta:
                    yield delta
