"""Training examples for the reader, built from the RealTime QA *train* split in place.

Each question lists its own search results (``search_doc_ids``), so no index is needed:
the sentences (and headlines) of those articles are the candidates the product would see.

- **positives**: candidates that hold a gold answer as whole words (the best-matching few
  by overlap with the question), and the quiz's evidence sentence when it holds one; each
  with the character span of the answer inside it, for the span head;
- **hard negatives**: the candidates closest to the question in words that hold no gold
  answer; first those that hold one of the quiz's *wrong* choices (an answer of the right
  type in the wrong place), then the closest by overlap, then one at random;
- **synthetic** (cloze) questions: a name, number or date in a train sentence replaced by
  the matching wh-word, with that phrase as the answer, weighted below real ones.

The split's texts are read from ``REALTIMEQA_TRAIN_DIR`` and never copied anywhere.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qa.features import MIN_CLAUSE_WORDS, MIN_HEADLINE_WORDS, MIN_WORDS
from qa.reading import overlap
from vectorstore import clause_spans, sentence_spans, terms

ROOT = Path(__file__).resolve().parent.parent
TRAIN = Path(
    os.environ.get("REALTIMEQA_TRAIN_DIR", ROOT.parent / "shared" / "bench" / "realtimeqa-train")
)
MAX_CHARS = 600  # longer "sentences" are segmentation failures (lists, tables)
POSITIVES = 4  # per question, besides the evidence sentence
NEGATIVES = 6  # per question
MIN_POSITIVE_OVERLAP = 0.2  # share of the question's terms a positive must also have
HOLDOUT_WEEKS = 10  # the last weeks of train: calibration and the model card's figures


@dataclass(slots=True)
class Example:
    question: str
    text: str
    label: float  # 1: holds the answer
    start: int = -1  # the answer's span inside ``text`` (positives only; -1: none)
    end: int = -1
    weight: float = 1.0
    qid: str = ""


def normalize(text: str) -> str:
    """The evaluator's normalisation: lower case, non-alphanumerics → space, no articles."""
    text = re.sub(r"[^0-9a-z]+", " ", text.lower())
    return " ".join(w for w in text.split() if w not in {"a", "an", "the"})


def answer_span(text: str, golds: list[str]) -> tuple[int, int] | None:
    """Where a gold answer occurs in ``text`` as whole words (case and punctuation
    ignored, articles optional); the first, longest-gold-first."""
    for gold in sorted(golds, key=len, reverse=True):
        words = normalize(gold).split()
        if not words:
            continue
        pattern = r"(?<![0-9a-z])" + r"[^0-9a-z]+(?:(?:a|an|the)[^0-9a-z]+)?".join(
            re.escape(w) for w in words
        )
        match = re.search(pattern + r"(?![0-9a-z])", text, re.I)
        if match:
            return match.start(), match.end()
    return None


def questions() -> list[dict]:
    with (TRAIN / "questions.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def articles(ids: set[str]) -> dict[str, dict]:
    out = {}
    with gzip.open(TRAIN / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            if doc["doc_id"] in ids:
                out[doc["doc_id"]] = doc
    return out


def split(qs: list[dict]) -> tuple[list[dict], list[dict]]:
    """(fit, holdout): the last ``HOLDOUT_WEEKS`` weeks are held out, the rest fit."""
    weeks = sorted({q["question_id"].split("_")[0] for q in qs})
    held = set(weeks[-HOLDOUT_WEEKS:])
    fit = [q for q in qs if q["question_id"].split("_")[0] not in held]
    return fit, [q for q in qs if q["question_id"].split("_")[0] in held]


def candidates(doc: dict, clauses: bool = False) -> list[str]:
    """The headline and every sentence of an article (and the clauses of long sentences),
    as the answerer would see them."""
    text = doc["text"]
    out = [doc["title"]] if len(doc.get("title", "").split()) >= MIN_HEADLINE_WORDS else []
    for s, e in sentence_spans(text):
        sentence = text[s:e].strip()
        if len(sentence.split()) >= MIN_WORDS and len(sentence) <= MAX_CHARS:
            out.append(sentence)
            if clauses:
                out += [text[a:b] for a, b in clause_spans(text, s, e, min_words=MIN_CLAUSE_WORDS)]
    return out


def examples_for(q: dict, docs: dict[str, dict], rng: random.Random) -> list[Example]:
    """The positives and hard negatives of one question."""
    golds = [g for g in q["answer_texts"] if normalize(g)]
    wrong = [c for i, c in enumerate(q.get("choices", [])) if i not in q.get("answer_indices", [])]
    qt = set(terms(q["question"]))
    pool = list(
        dict.fromkeys(c for d in q["search_doc_ids"] if d in docs for c in candidates(docs[d]))
    )
    scored = sorted(pool, key=lambda c: overlap(qt, c), reverse=True)
    pos, neg_wrong, neg = [], [], []
    for cand in scored:
        span = answer_span(cand, golds)
        if span:
            pos.append((cand, span))
        elif answer_span(cand, wrong):
            neg_wrong.append(cand)
        else:
            neg.append(cand)
    # a sentence that merely names the answer elsewhere ("... for the Dallas Cowboys") is
    # no answer: positives must also share words with the question
    pos = [(c, span) for c, span in pos if overlap(qt, c) >= MIN_POSITIVE_OVERLAP]
    out = [
        Example(q["question"], c, 1.0, s, e, qid=q["question_id"]) for c, (s, e) in pos[:POSITIVES]
    ]
    evidence = q.get("evidence", "")
    for s, e in sentence_spans(evidence):
        sentence = evidence[s:e]
        span = answer_span(sentence, golds)
        if span and sentence not in pool:
            out.append(Example(q["question"], sentence, 1.0, *span, qid=q["question_id"]))
            break
    chosen = neg_wrong[:2]
    chosen += [c for c in neg[: NEGATIVES * 2] if c not in chosen][: NEGATIVES - 1 - len(chosen)]
    rest = [c for c in neg if c not in chosen]
    if rest:
        chosen.append(rng.choice(rest))
    out += [Example(q["question"], c, 0.0, qid=q["question_id"]) for c in chosen]
    return out


# -- synthetic cloze questions ------------------------------------------------------------

_CLOZE = [  # what to replace, and the question word that asks for it
    (
        re.compile(r"\b(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s+(?:percent|million|billion))?\b"),
        "how many",
    ),
    (
        re.compile(
            r"\b(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
            r"January|February|March|April|June|July|August|September|October|November|"
            r"December)(?:\s+\d{1,2})?(?:,\s+\d{4})?\b"
        ),
        "when",
    ),
    (re.compile(r"\b(?:in|at|to|from)\s+((?:[A-Z][a-z]+)(?:\s+[A-Z][a-z]+){0,2})\b"), "where"),
    (re.compile(r"^((?:[A-Z][a-z]+)(?:\s+[A-Z][a-z.]+){1,2})\b"), "who"),
]


def cloze(sentence: str, rng: random.Random) -> tuple[str, int, int] | None:
    """A question made from ``sentence`` by replacing one phrase with a wh-word, and the
    phrase's span in the sentence; None when nothing fits."""
    kinds = list(_CLOZE)
    rng.shuffle(kinds)
    for pattern, wh in kinds:
        match = pattern.search(sentence)
        if not match:
            continue
        group = 1 if match.groups() else 0
        s, e = match.span(group)
        if wh == "where":
            question = sentence[: match.start()] + " where" + sentence[match.end() :]
        elif wh == "who":
            question = "who" + sentence[e:]
        else:
            question = sentence[:s] + wh + sentence[e:]
        question = re.sub(r"\s+", " ", question).strip().rstrip(".!") + "?"
        if not 5 <= len(question.split()) <= 40:
            continue
        return question[0].upper() + question[1:], s, e
    return None


def synthetic(docs: dict[str, dict], n: int, rng: random.Random, weight: float) -> list[Example]:
    """``n`` cloze positives from the articles, each with one negative from its article."""
    pool = [(d, c) for d in docs.values() for c in candidates(d)[1:8]]  # near the lede
    rng.shuffle(pool)
    out: list[Example] = []
    for doc, sentence in pool:
        if len(out) >= 2 * n:
            break
        made = cloze(sentence, rng)
        if not made:
            continue
        question, s, e = made
        others = [c for c in candidates(doc) if c != sentence]
        if not others:
            continue
        out.append(Example(question, sentence, 1.0, s, e, weight, qid="synthetic"))
        out.append(Example(question, rng.choice(others), 0.0, weight=weight, qid="synthetic"))
    return out


@dataclass(slots=True)
class Group:
    """One held-out question with the candidates the answerer would read, each labelled."""

    question: str
    golds: list[str]
    texts: list[str]
    labels: list[float]  # 1: holds a gold answer
    articles: list[str] = field(default_factory=list)  # the article each text comes from


def lead_set(
    read_at_most: int = 32,
    docs_per_question: int = 3,
    pieces: Callable[[dict], list[str]] = lambda doc: candidates(doc, clauses=True),
) -> list[Group]:
    """The held-out questions as the answerer meets them: every sentence and headline
    (``pieces`` of an article: chunks, for the passage reader) of the first articles search
    found, those sharing most words with the question first, up to ``read_at_most`` (as
    ``qa.reading`` reads them). Unlike the training pairs nothing is picked by label, so a
    model fitted here sees the product's own mix."""
    _, holdout = split([q for q in questions() if q["search_doc_ids"]])
    docs = articles({d for q in holdout for d in q["search_doc_ids"][:docs_per_question]})
    out = []
    for q in holdout:
        qt = set(terms(q["question"]))
        owner: dict[str, str] = {}  # each text, and the (first) article it comes from
        for d in q["search_doc_ids"][:docs_per_question]:
            for c in pieces(docs[d]) if d in docs else []:
                owner.setdefault(c, d)
        pool = sorted(owner, key=lambda c: -overlap(qt, c))[:read_at_most]
        labels = [float(answer_span(c, q["answer_texts"]) is not None) for c in pool]
        out.append(Group(q["question"], q["answer_texts"], pool, labels, [owner[c] for c in pool]))
    return out


def build(
    seed: int = 13, n_synthetic: int = 0, synthetic_weight: float = 0.3, fit: bool = True
) -> Iterator[tuple[str, list[Example]]]:
    """("fit", examples) then ("holdout", examples); the holdout alone when not ``fit``.
    The holdout has its own random generator: it is the same either way."""
    qs = [q for q in questions() if q["search_doc_ids"]]
    fitting, holdout = split(qs)
    wanted = qs if fit else holdout
    docs = articles({d for q in wanted for d in q["search_doc_ids"]})
    if fit:
        rng = random.Random(seed)
        fit_examples = [ex for q in fitting for ex in examples_for(q, docs, rng)]
        if n_synthetic:
            held_docs = {d for q in holdout for d in q["search_doc_ids"]}
            fit_docs = {k: v for k, v in docs.items() if k not in held_docs}
            fit_examples += synthetic(fit_docs, n_synthetic, rng, synthetic_weight)
        rng.shuffle(fit_examples)
        yield "fit", fit_examples
    held_rng = random.Random(seed + 1)
    yield "holdout", [ex for q in holdout for ex in examples_for(q, docs, held_rng)]
