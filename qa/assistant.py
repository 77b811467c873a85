"""The public API: ``answer()``, ``stream()`` and ``Assistant``.

``Assistant`` is the one facade the page, the CLI and Python callers go through (asking,
ingest, uploads, listing, removal), so it is longer than most modules; each
method is a few lines that hand over to the module that does the work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models import Backend, Reader, SentenceEmbeddings, load_embeddings
from sources import (
    IS_A_FEED,
    STATE_FILE,
    FeedList,
    InputError,
    UploadError,
    is_url,
    save_upload,
)
from vectorstore import (
    ArticleInfo,
    ArticleStore,
    IngestReport,
    Passage,
    ReadOnlyError,
    SyncReport,
    ingest,
    reindex,
    remove_promoting_copy,
    sync_feeds,
)

from .answerers import Answerer, Asked, answerer_for
from .citations import Verifier, finalize, parse_claims
from .digest import digest
from .feedback import FEEDBACK_FILE, FeedbackLog
from .followup import focus, is_follow_up, rewrite
from .llm import LLMError, chat_model, condense, is_refusal, stream_reply, timeline_messages
from .offline import OfflineAnswerer
from .passage_reading import PassageAnswerer
from .query import FILTER_FIELDS, Filters, QuestionError
from .reading import ReaderAnswerer, rerank
from .results import Answer
from .retrieval import Retriever, Search
from .settings import Settings
from .stories import Story, about, leads_in_order, stories, story, timeline, timeline_topic

if TYPE_CHECKING:  # imported when a chat model is used (offline answers start faster)
    from langchain_core.language_models import BaseChatModel


class EmptyStoreError(RuntimeError):
    """No articles are stored yet."""


MAX_QUESTION_CHARS = 2000


def check_question(question: object) -> str:
    """The question, trimmed; a ``QuestionError`` telling the user what is wrong otherwise."""
    if not isinstance(question, str):
        raise QuestionError(f"the question must be text, not {type(question).__name__}")
    cleaned = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
    if not cleaned:
        raise QuestionError("the question is empty: type a question about the articles")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(cleaned):,} characters long; keep it under "
            f"{MAX_QUESTION_CHARS:,}"
        )
    return cleaned


class Assistant:
    """Answers questions about the stored articles; holds settings and the chat history.

    >>> bot = Assistant(top_k=8)              # any Settings field, else ARTICLE_QA_* / defaults
    >>> bot.ask("What does Kim want from Russia?").text

    ``model``: a LangChain chat model object to answer with instead of the one ``llm``
    names (an in-process model in tests, a model configured in code).
    """

    def __init__(
        self, settings: Settings | None = None, model: BaseChatModel | None = None, **overrides: Any
    ) -> None:
        if overrides:  # validated like the environment would be
            base = settings.model_dump(exclude_unset=True) if settings else {}
            settings = Settings(**(base | overrides))
        settings = settings or Settings()
        if model is not None:
            self.model = model  # fills the cached property
            if not settings.llm:
                settings = settings.model_copy(update={"llm": f"custom:{type(model).__name__}"})
        self.settings = settings
        self.history: list[Answer] = []
        self._lock = threading.Lock()

    # -- the parts, built on first use ----------------------------------------------------

    @cached_property
    def embeddings(self) -> SentenceEmbeddings:
        return load_embeddings(self.settings.embedding_model, self.settings.backend)

    @cached_property
    def store(self) -> ArticleStore:
        s = self.settings
        return ArticleStore(
            self.embeddings, path=s.store_dir, url=s.chroma_url, collection=s.collection
        )

    @cached_property
    def offline(self) -> OfflineAnswerer:
        s = self.settings
        return OfflineAnswerer(self.embeddings, s.max_sentences, s.min_support)

    @cached_property
    def reader(self) -> Reader:
        """The trained reader (one per process), loaded on first use."""
        return Reader.shared(self.settings.reader_dir, self.settings.backend)

    @cached_property
    def reading(self) -> ReaderAnswerer | PassageAnswerer:
        """How the reader's answers are read: from whole passages when its weights read
        passages (their manifest says so), else sentence by sentence."""
        if self.reader.reads_passages:
            return PassageAnswerer(self.reader, self.offline)
        return ReaderAnswerer(self.reader, self.embeddings)

    @cached_property
    def verifier(self) -> Verifier:
        return Verifier(self.embeddings)

    @cached_property
    def model(self) -> BaseChatModel:
        return chat_model(self.settings)

    @cached_property
    def answerer(self) -> Answerer:
        """Who answers (``ARTICLE_QA_ANSWERER``; ``qa.answerers``)."""
        return answerer_for(self)

    # -- asking ----------------------------------------------------------------------------

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.store)

    def passages(
        self, question: str, k: int | None = None, filters: Filters | None = None, **given: Any
    ) -> list[Passage]:
        """The passages that count as evidence for ``question``.

        ``filters`` (or its fields as keyword arguments: ``reference_date`` is "today" for
        "this week"-style questions; ``date_from``, ``date_to`` and ``sources`` restrict the
        search) — else dates and sources are read from the question when ``news_filters``
        is on.
        """
        filters = Filters.of(filters, **given)
        if self.store.count() == 0:
            raise EmptyStoreError(
                f"no articles are stored in {self.store.location}. Add some first: "
                "`article-qa ingest PATH` (e.g. `article-qa ingest data/articles`)"
            )
        s = self.settings
        req = Search(question, k or s.top_k, s.retrieval_mode, filters, news=s.news_filters)
        if not s.rerank:
            return self.retriever.search(req, s.min_score)
        req.k = max(req.k, s.rerank_pool)
        return rerank(self.reader, question, self.retriever.search(req, s.min_score), k or s.top_k)

    def standalone(self, question: str, history: Sequence[str]) -> str:
        """``question`` rewritten to stand alone, given the earlier questions of the chat."""
        if not history or not is_follow_up(question):
            return question
        if self.settings.llm:
            try:
                rewritten = condense(self.model, question, list(history)[-4:])
                if rewritten:
                    return rewritten
            except LLMError:
                pass
        return rewrite(question, history)

    def ask(
        self, question: str, k: int | None = None, remember: bool = True, **options: Any
    ) -> Answer:
        """Answer ``question`` (and remember it in the history unless ``remember=False``).

        ``options``: ``history`` (earlier questions), ``filters`` or its fields
        (``reference_date``, ``date_from``, ``date_to``, ``sources``) — see ``stream``.
        """
        result: Answer | None = None
        for item in self.stream(question, k, remember=remember, **options):
            if isinstance(item, Answer):
                result = item
        assert result is not None
        return result

    def stream(
        self,
        question: str,
        k: int | None = None,
        remember: bool = True,
        history: Sequence[str] | None = None,
        filters: Filters | None = None,
        **given: Any,
    ) -> Iterator[str | Answer]:
        """Yield the answer text as it is produced, then the final, checked ``Answer``.

        The streamed text is provisional: citations are checked and renumbered at the end,
        so show the final ``Answer.text`` once it arrives. A page serving many users keeps
        each one's history itself and passes ``remember=False`` and its earlier questions as
        ``history``. A follow-up ("And what does Putin want?") is rewritten to stand alone
        before retrieval; the result's ``standalone`` shows how.
        """
        question = check_question(question)
        filters = Filters.of(filters, **given)
        if history is None:
            history = [a.standalone or a.question for a in self.history] if remember else []
        searched = self.standalone(question, history)
        topic = timeline_topic(searched)
        told = self._story_about(topic, filters) if topic else None
        if told is not None:  # "what happened with …": the story's timeline
            final = self._timeline(told, question).model_copy(update={"standalone": searched})
            yield final.text
            if remember:
                with self._lock:
                    self.history.append(final)
            yield final
            return
        passages = self.passages(searched, k, filters)
        # the context names helped the search; an offline answer needs the ask
        final = yield from self.answerer.stream(Asked(searched, focus(searched), passages))
        final = final.model_copy(update={"question": question, "standalone": searched})
        if remember:
            with self._lock:
                self.history.append(final)
        yield final

    # -- the collection --------------------------------------------------------------------

    def ingest(
        self,
        paths: Sequence[str | Path],
        on_progress: Callable[[int, int], None] | None = None,
        progress: bool = False,
    ) -> IngestReport:
        """Add files, folders of articles and web pages (http(s) URLs) to the store (see
        ``vectorstore.ingest``); ``progress`` shows a progress bar on the terminal."""
        self._check_writable()
        return ingest(
            paths,
            self.store,
            batch_chunks=self.settings.ingest_batch,
            on_progress=on_progress,
            progress=progress,
            **self._ingest_options(),
        )

    def reindex(
        self, on_progress: Callable[[int, int], None] | None = None, progress: bool = False
    ) -> int:
        """Re-embed the stored chunks with this process's embedding model (after changing
        ``ARTICLE_QA_EMBEDDING_MODEL``); crash-safe, resumes where a killed run stopped."""
        self._check_writable()
        return reindex(
            self.store, on_progress=on_progress, progress=progress, page=self.settings.ingest_batch
        )

    def upload(
        self,
        files: Sequence[tuple[str | Path, str]],
        on_progress: Callable[[int, int], None] | None = None,
    ) -> tuple[IngestReport | None, list[str]]:
        """Keep uploaded files (path, the name it was uploaded under) in the upload folder
        under safe names and ingest them; the ingest report (None when nothing was kept)
        and why each refused file was refused."""
        self._check_writable()
        self.store.check_writable()  # before anything is copied in
        saved, refused = [], []
        for path, name in files:
            try:
                saved.append(
                    save_upload(path, name, self.settings.uploads(), self.settings.upload_bytes)
                )
            except (UploadError, OSError) as exc:
                refused.append(str(exc))
        return (self.ingest(saved, on_progress) if saved else None), refused

    def add_from_web(self, url: str) -> tuple[str, IngestReport | SyncReport]:
        """Add what the http(s) ``url`` holds: a page is ingested, a feed followed and synced
        at once. Which it was ("page" or "feed") and the report. Only web addresses: a
        local path is an ``InputError`` (files come in by ``ingest`` or ``upload``)."""
        self._check_writable()
        url = (url or "").strip()
        if not is_url(url):
            raise InputError(
                f"'{url[:200]}' is not a web address: give an http:// or https:// URL "
                "(files are added by uploading them, or with `article-qa ingest PATH`)"
            )
        report = self.ingest([url])
        if report.failed and report.failed[0].reason == IS_A_FEED:
            self.feeds.add(url)
            return "feed", self.sync(only=[url])
        return "page", report

    @cached_property
    def feedback(self) -> FeedbackLog:
        """Votes on answers (``record``, ``lines``), kept beside the store."""
        return FeedbackLog(self.store.state_dir / FEEDBACK_FILE)

    @property
    def feeds(self) -> FeedList:
        """The followed feeds (``add``, ``remove``, ``all``), kept beside the store."""
        read_only = self.store.read_only or self.settings.read_only
        return FeedList(self.store.state_dir / STATE_FILE, read_only=read_only)

    def sync(
        self,
        progress: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
        only: Sequence[str] = (),
    ) -> SyncReport:
        """Fetch every followed feed (or those with the URLs in ``only``) and store its new
        and updated items."""
        self._check_writable()
        return sync_feeds(
            self.store,
            self.feeds,
            only=only,
            delay=self.settings.fetch_delay,
            progress=progress,
            on_progress=on_progress,
            **self._ingest_options(),
        )

    def _check_writable(self) -> None:
        """Refuse any write when the settings make this a read-only assistant."""
        if self.settings.read_only:
            raise ReadOnlyError(
                "article-qa is read-only here (ARTICLE_QA_READ_ONLY): it answers questions "
                "but adds, changes or removes nothing"
            )

    def _ingest_options(self) -> dict[str, Any]:
        """The settings every way of adding articles shares."""
        s = self.settings
        return {
            "max_tokens": s.chunk_tokens,
            "overlap_tokens": s.chunk_overlap,
            "allow_private": s.fetch_allow_private,
            "deadline_s": s.fetch_deadline,
        }

    def latest(self, days: float = 2.0, today: date | None = None, limit: int = 30) -> Answer:
        """What's new: the newest stories of the last ``days`` (to ``today``), newest first,
        each as its headline, date, source and lead sentence, cited like any answer."""
        return digest(self.store, days, today, limit)

    def stories(self, since: date | None = None, limit: int | None = None) -> list[Story]:
        """The stories (events across outlets and days) with an article dated ``since`` or
        later (all when None), latest first, at most ``limit``."""
        return stories(self.store, since, limit)

    @property
    def stories_grouped(self) -> bool:
        """Whether every stored article is in a story (a store made before stories is not,
        until its next write or ``regroup``)."""
        return self.store.count() == 0 or self.store.story_ledger().complete

    def regroup(self) -> int:
        """Group every stored article into stories anew; returns how many were grouped."""
        self._check_writable()
        return self.store.regroup()

    def story(self, ref: str) -> Story | None:
        """The story with the id ``ref``, else the one a search for ``ref`` finds first."""
        found = story(self.store, ref.strip()) if ref.strip() else None
        return found or self._story_about(ref, Filters())

    def timeline(self, ref: str) -> Answer:
        """A story's developments in order, one dated, cited line each; ``ref`` is a story
        id or words about it ("kim putin summit")."""
        told = self.story(check_question(ref))
        if told is None:
            return Answer(
                question=ref,
                text=f"No stored story matches {ref!r}.",
                answerer="timeline",
                refused=True,
            )
        return self._timeline(told, ref)

    def _timeline(self, told: Story, question: str) -> Answer:
        """``told``'s timeline: by the chat model when one is configured (its lines checked
        against the passages like any answer), else — or when it fails — offline."""
        if not self.settings.llm:
            return timeline(self.store, told, question)
        passages = leads_in_order(self.store, told)
        try:
            reply = "".join(stream_reply(self.model, timeline_messages(told.title, passages)))
        except LLMError as exc:
            offline = timeline(self.store, told, question)
            return offline.model_copy(update={"notice": f"{exc}. Told offline instead."})
        if not passages or is_refusal(reply):
            return timeline(self.store, told, question)
        claims = parse_claims(reply.strip(), len(passages))
        for claim in claims[1:]:
            claim.prefix = "\n"  # one line each, as the model wrote them
        checked = finalize(self.verifier.check(claims, passages), passages)
        return Answer(
            question=question,
            text=checked.text,
            citations=checked.citations,
            answerer=f"timeline:llm:{self.settings.llm}",
            unsupported=checked.unsupported,
        )

    def _story_about(self, topic: str, filters: Filters) -> Story | None:
        """The story of the passage a search for ``topic`` finds first."""
        if self.store.count() == 0:
            return None
        found = [p for p in self.passages(topic, 3, filters) if about(topic, p)]
        story_id = self.store.story_ledger().story_of(found[0].article_id) if found else None
        return story(self.store, story_id) if story_id else None

    def articles(self) -> list[ArticleInfo]:
        """The stored articles, newest first."""
        return self.store.list_articles()

    def find(self, ref: str) -> list[ArticleInfo]:
        """The stored articles whose id starts with ``ref`` or whose title or URL is ``ref``."""
        return self.store.find_articles(ref)

    def remove(self, article_id: str) -> int:
        """Remove one article; how many chunks were removed. When syndicated copies of it
        were recorded, the first one still readable (its file or URL) takes its place and
        carries the others."""
        self._check_writable()
        return remove_promoting_copy(self.store, article_id, **self._ingest_options())

    def prepare_models(self, backend: Backend | None = None) -> None:
        """Load (on the onnx backend: build once per machine) the embedder and the reader
        now rather than at the first question."""
        s = self.settings
        embeddings = SentenceEmbeddings(s.embedding_model, backend or s.backend)
        embeddings.embed_array(["a sentence to check the model with"])
        Reader(s.reader_dir, backend=backend or s.backend).read("a question?", ["a sentence."])

    def count(self) -> int:
        """How many chunks are stored."""
        return self.store.count()

    def with_llm(self, llm: str | None) -> Assistant:
        """An assistant like this one that answers with ``llm`` (None: offline)."""
        if (llm or None) == self.settings.llm:
            return self
        answerer = "llm" if llm else self.settings.offline_answerer
        return Assistant(
            self.settings.model_copy(update={"llm": llm or None, "answerer": answerer})
        )

    def reset(self) -> None:
        """Forget the chat history."""
        with self._lock:
            self.history.clear()


_default: Assistant | None = None
_default_lock = threading.Lock()


def default_assistant() -> Assistant:
    """The assistant behind ``answer()`` and ``stream()``: settings from the environment."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
        return _default


def _split(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``options`` of ``answer()``: (the request's, the Settings fields for this call)."""
    request = {k: options.pop(k) for k in (*FILTER_FIELDS, "filters") if k in options}
    return request, options


def answer(question: str, k: int | None = None, **options: Any) -> Answer:
    """Answer one question about the stored articles, with citations.

    ``options``: ``filters=Filters(...)`` or its fields (``reference_date``, ``date_from``,
    ``date_to``, ``sources``) narrow the search; anything else is a Settings field for this
    call only (e.g. ``store_dir=...``, ``llm=...``).
    """
    request, overrides = _split(dict(options))
    bot = Assistant(**overrides) if overrides else default_assistant()
    return bot.ask(question, k, remember=False, **request)  # no chat history kept


def stream(question: str, k: int | None = None, **options: Any) -> Iterator[str | Answer]:
    """Like ``answer`` but yields text as it is produced, then the final ``Answer``."""
    request, overrides = _split(dict(options))
    bot = Assistant(**overrides) if overrides else default_assistant()
    yield from bot.stream(question, k, remember=False, **request)
