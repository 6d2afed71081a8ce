"""Sentence BLEU-4 (Papineni et al., 2002) with add-one smoothing for orders 2-4 (Lin & Och, 2004).

Written here (no package): one reference, uniform weights 1/4 over 1- to 4-grams,
brevity penalty exp(1 - r/c) when the hypothesis is shorter than the reference.
Smoothing: the 2-, 3- and 4-gram precisions are (matches + 1) / (total + 1), so
short or partly wrong captions do not score 0 for lack of a 4-gram match, and an
identical caption scores exactly 1; the unigram precision is not smoothed (no word
in common scores 0). Tokens: lower-cased words and single punctuation marks.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_TOKEN = re.compile(r"\w+|[^\w\s]")
MAX_ORDER = 4


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _ngrams(words: list[str], n: int) -> Counter:
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def sentence_bleu(reference: str, hypothesis: str) -> float:
    """BLEU-4 of ``hypothesis`` against ``reference``, in [0, 1]."""
    ref, hyp = tokens(reference), tokens(hypothesis)
    if not hyp or not ref:
        return float(hyp == ref)
    log_precision = 0.0
    for n in range(1, MAX_ORDER + 1):
        h, r = _ngrams(hyp, n), _ngrams(ref, n)
        matches = sum(min(count, r[g]) for g, count in h.items())
        total = max(len(hyp) - n + 1, 0)
        if n > 1:
            matches, total = matches + 1, total + 1
        if matches == 0:
            return 0.0
        log_precision += math.log(matches / total) / MAX_ORDER
    brevity = min(0.0, 1.0 - len(ref) / len(hyp))
    return math.exp(brevity + log_precision)


def mean_bleu(pairs: list[tuple[str, str]]) -> float:
    """Average sentence BLEU over (reference, hypothesis) pairs."""
    return sum(sentence_bleu(r, h) for r, h in pairs) / len(pairs) if pairs else 0.0
