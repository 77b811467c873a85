"""The LLM answerer: any LangChain chat model, told to answer only from numbered passages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import prompts
from vectorstore import Passage

from .settings import Settings

if TYPE_CHECKING:  # LangChain is imported when a model is used: offline answers start faster
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage
    from langchain_core.prompts import ChatPromptTemplate

NOT_IN_ARTICLES = "NOT_IN_ARTICLES"


class LLMError(RuntimeError):
    """The configured model could not be reached or gave no usable reply."""


def chat_model(settings: Settings) -> BaseChatModel:
    """The chat model named by ``ARTICLE_QA_LLM`` (``provider:model``), built by LangChain."""
    from langchain.chat_models import init_chat_model

    spec = settings.llm or ""
    provider, _, model = spec.partition(":")
    if not model:
        provider, model = ("openai" if settings.llm_base_url else ""), spec
    kwargs: dict[str, Any] = {"temperature": settings.llm_temperature}
    if provider in ("openai", ""):
        kwargs |= {"timeout": settings.llm_timeout, "max_retries": 1}
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    if settings.llm_api_key is not None:
        kwargs["api_key"] = settings.llm_api_key.get_secret_value()
    elif provider == "openai" and settings.llm_base_url:
        kwargs["api_key"] = "not-needed"  # local OpenAI-compatible servers ignore the key
    try:
        return init_chat_model(model, model_provider=provider or None, **kwargs)
    except Exception as exc:  # missing integration package, unknown provider, no API key
        raise LLMError(
            f"cannot set up the model '{spec}' ({exc}). Check ARTICLE_QA_LLM "
            "(e.g. openai:gpt-4o-mini or ollama:llama3.2) and its API key or base URL."
        ) from exc


def _fence(text: str) -> str:
    """Article text is data: it must not be able to close its own <passage> tag."""
    return text.replace("<passage", "&lt;passage").replace("</passage", "&lt;/passage")


def format_passages(passages: Sequence[Passage]) -> str:
    """The numbered passages as they appear in the prompt."""
    template = prompts.load("passage")
    return "\n\n".join(
        template.format(
            number=i,
            title=_fence(p.title).replace('"', "'"),
            date=p.date or "unknown",
            source=_fence(p.source).replace('"', "'") or "unknown",
            text=_fence(p.text),
        ).strip()
        for i, p in enumerate(passages, start=1)
    )


def answer_prompt() -> ChatPromptTemplate:
    """The answer prompt, from ``prompts/answer_system.md`` and ``prompts/answer_user.md``."""
    from langchain_core.prompts import ChatPromptTemplate

    return ChatPromptTemplate.from_messages(
        [("system", prompts.load("answer_system")), ("human", prompts.load("answer_user"))]
    )


def build_messages(question: str, passages: Sequence[Passage]) -> list[BaseMessage]:
    """The messages sent to the model for one question."""
    return answer_prompt().format_messages(passages=format_passages(passages), question=question)


def timeline_messages(title: str, passages: Sequence[Passage]) -> list[BaseMessage]:
    """The messages asking a model for a story's timeline (``prompts/timeline_*.md``)."""
    from langchain_core.prompts import ChatPromptTemplate

    prompt = ChatPromptTemplate.from_messages(
        [("system", prompts.load("timeline_system")), ("human", prompts.load("timeline_user"))]
    )
    return prompt.format_messages(passages=format_passages(passages), title=_fence(title))


def stream_reply(model: BaseChatModel, messages: list[BaseMessage]) -> Iterator[str]:
    """The model's reply as text pieces, as they arrive."""
    try:
        for chunk in model.stream(messages):
            content = chunk.content
            if isinstance(content, list):  # content blocks
                content = "".join(
                    b.get("text", "") if isinstance(b, dict) else str(b) for b in content
                )
            if content:
                yield str(content)
    except LLMError:
        raise
    except Exception as exc:
        raise LLMError(f"the model failed to answer ({type(exc).__name__}: {exc})") from exc


def is_refusal(text: str) -> bool:
    """True when the model said the passages don't answer the question."""
    return NOT_IN_ARTICLES in text or NOT_IN_ARTICLES.replace("_", " ") in text.upper()


def condense(model: BaseChatModel, question: str, history: Sequence[str]) -> str:
    """The model's standalone version of a follow-up ``question`` (one line), or ""."""
    from langchain_core.prompts import ChatPromptTemplate

    prompt = ChatPromptTemplate.from_messages(
        [("system", prompts.load("condense_system")), ("human", prompts.load("condense_user"))]
    )
    messages = prompt.format_messages(
        history="\n".join(f"- {h}" for h in history), question=question
    )
    text = "".join(stream_reply(model, messages)).strip()
    line = text.splitlines()[0].strip().strip('"') if text else ""
    return line if 3 <= len(line) <= 500 and not is_refusal(line) else ""
