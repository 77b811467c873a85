"""Training examples for the passage reader, built from the RealTime QA *train* split in place.

The reader reads what retrieval hands the answerer: chunks. Each train question's own
search results are chunked as the product chunks them (``vectorstore.chunking``):

- **positives**: chunks holding a gold answer as whole words that share words with the
  question, with the answer's span in the chunk (up to ``POSITIVES`` per question);
- **hard negatives**: chunks holding one of the quiz's *wrong* choices (an answer of the
  right type in the wrong place), then the chunks closest to the question in words, one
  at random;
- **synthetic** (cloze) questions from the train articles' opening sentences
  (``pairs.cloze``), read in the chunk that holds the sentence, weighted below real ones.

The same held-out weeks as the sentence reader (``pairs.split``); dev is never read.
"""

from __future__ import annotations

import random

from qa.reading import overlap
from training import pairs
from training.pairs import Example, answer_span
from vectorstore import terms
from vectorstore.chunking import chunk_text

POSITIVES = 3
NEGATIVES = 4
MIN_POSITIVE_OVERLAP = 0.2


def chunks(doc: dict) -> list[str]:
    """The article's chunks, as the product stores them."""
    return [c.text for c in chunk_text(doc["text"])]


def examples_for(q: dict, docs: dict[str, dict], rng: random.Random) -> list[Example]:
    golds = [g for g in q["answer_texts"] if pairs.normalize(g)]
    wrong = [c for i, c in enumerate(q.get("choices", [])) if i not in q.get("answer_indices", [])]
    qt = set(terms(q["question"]))
    pool = list(dict.fromkeys(c for d in q["search_doc_ids"] if d in docs for c in chunks(docs[d])))
    scored = sorted(pool, key=lambda c: overlap(qt, c), reverse=True)
    pos, neg_wrong, neg = [], [], []
    for cand in scored:
        span = answer_span(cand, golds)
        if span and overlap(qt, cand) >= MIN_POSITIVE_OVERLAP:
            pos.append((cand, span))
        elif span:
            continue  # names the answer, but far from the question: neither
        elif answer_span(cand, wrong):
            neg_wrong.append(cand)
        else:
            neg.append(cand)
    qid = q["question_id"]
    out = [Example(q["question"], c, 1.0, s, e, qid=qid) for c, (s, e) in pos[:POSITIVES]]
    chosen = neg_wrong[:2]
    chosen += [c for c in neg[: NEGATIVES * 2] if c not in chosen][: NEGATIVES - 1 - len(chosen)]
    rest = [c for c in neg if c not in chosen]
    if rest:
        chosen.append(rng.choice(rest))
    return out + [Example(q["question"], c, 0.0, qid=qid) for c in chosen]


def synthetic(docs: dict[str, dict], n: int, rng: random.Random, weight: float) -> list[Example]:
    """``n`` cloze positives read in their chunk, each with one other chunk as negative."""
    pool = list(docs.values())
    rng.shuffle(pool)
    out: list[Example] = []
    for doc in pool:
        if len(out) >= 2 * n:
            break
        parts = chunk_text(doc["text"])
        if len(parts) < 2:
            continue
        first = parts[0]
        sentences = [s for s in pairs.candidates({"text": first.text, "title": ""})][:6]
        if not sentences:
            continue
        sentence = rng.choice(sentences)
        made = pairs.cloze(sentence, rng)
        at = first.text.find(sentence)
        if not made or at < 0:
            continue
        question, s, e = made
        out.append(Example(question, first.text, 1.0, at + s, at + e, weight, qid="synthetic"))
        out.append(Example(question, rng.choice(parts[1:]).text, 0.0, weight=weight))
    return out


def holdout_groups(read: int = 8, docs_per_question: int = 4) -> list[pairs.Group]:
    """The held-out questions with the chunks of their first search results that share
    most words with them, up to ``read`` (nothing picked by label)."""
    return pairs.lead_set(read, docs_per_question, chunks)


def build(seed: int, n_synthetic: int, synthetic_weight: float) -> list[Example]:
    """The fitting examples (held-out weeks left out), shuffled."""
    qs = [q for q in pairs.questions() if q["search_doc_ids"]]
    fitting, holdout = pairs.split(qs)
    docs = pairs.articles({d for q in qs for d in q["search_doc_ids"]})
    rng = random.Random(seed)
    out = [ex for q in fitting for ex in examples_for(q, docs, rng)]
    if n_synthetic:
        held = {d for q in holdout for d in q["search_doc_ids"]}
        out += synthetic(
            {k: v for k, v in docs.items() if k not in held}, n_synthetic, rng, synthetic_weight
        )
    rng.shuffle(out)
    return out
