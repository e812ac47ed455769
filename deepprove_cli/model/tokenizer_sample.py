"""Deterministic, varied sample text for tokenizer round-trip tests and throughput benchmarks.

Prose in several scripts, code, numbers, contractions, whitespace runs (tabs, newlines, Unicode
spaces), emoji with joiners, combining marks and random code points from many blocks: the kinds of
input where pre-tokenizers and byte fallback differ. The same seed always gives the same text.
"""

from __future__ import annotations

import numpy as np

PROSE = (
    "The committee met on a grey Tuesday morning and agreed, after some argument, that the bridge "
    "would have to wait until spring.",
    "She didn't say it out loud, but she'd known for weeks that they'll never finish the job on time.",
    "We've measured it twice: 3.14159 metres, give or take 0.5 mm, at 1,024 points along the wall.",
    "\"Where are you going?\" he asked. 'Nowhere,' she said -- and then, quietly: 'Home.'",
    "Le chat s'est endormi près de la fenêtre ; il rêvait sans doute d'oiseaux et de café crème.",
    "Über den Wolken muss die Freiheit wohl grenzenlos sein, sagte der Pilot zur Straßenbahnfahrerin.",
    "¿Dónde está la biblioteca? Está al lado de la estación, señor, a unos doscientos metros.",
    "Москва — столица России; в ней живёт более двенадцати миллионов человек.",
    "Η γλώσσα είναι ζωντανός οργανισμός που αλλάζει με τον χρόνο.",
    "東京は日本の首都です。今日はとても暑いですね！",
    "我们明天早上八点在火车站见面，好吗？",
    "서울의 봄은 짧지만 아름답습니다.",
    "مرحبا بكم في المدينة القديمة، حيث تلتقي الأسواق بالتاريخ.",
    "नमस्ते, आप कैसे हैं? मैं ठीक हूँ, धन्यवाद।",
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }  // dot product\n",
    "<|im_start|>user\nWhat's 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>",
    "<start_of_turn>user\nHi there<end_of_turn>\n<bos><eos><pad> [multimodal] <table><tr><td>x</td></tr></table>",
    "Emoji: 🚀🔥👍🏽 👩‍👩‍👧‍👦 🇫🇷 ❤️ — and symbols ©®™ ∑∫√∞ ≤≥≠ ½¼¾ ²³ ①②③ Ⅻ",
    "    indented line\n\n\n\ttabbed\t\tline  \r\n\u3000full-width space\u00a0nbsp\u2009thin  end   ",
)

_BLOCKS = ((0x20, 0x7F), (0x80, 0xA0), (0xA0, 0x250), (0x300, 0x370), (0x370, 0x400), (0x400, 0x500), (0x590, 0x700),
           (0x900, 0x980), (0xE00, 0xE80), (0x1100, 0x1200), (0x2000, 0x2070), (0x2100, 0x2400),
           (0x3000, 0x3100), (0x4E00, 0x4F00), (0xAC00, 0xAD00), (0xFF00, 0xFFF0), (0x1F300, 0x1F700),
           (0x10000, 0x10100), (0x1D400, 0x1D500), (0xE000, 0xE010), (0x0, 0x20))
_PIECES = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", " '", "''", "...", "!!", "??", "--", "==", "->",
           "0", "007", "1234567", "3.5", "1e-9", "٣٤", "²", " ", "  ", "   ", "\t", "\n", "\n\n", " \n ", "\r\n",
           "\u2581", "▁▁", "\u200b", "\u0301", "ǅ", "ﬁ", "ǲ", "İ", "ß", "A", "the", " the", "The", "THE")


def sample_text(n_chars: int, seed: int = 0) -> str:
    """About `n_chars` characters (at least that many, then cut) of mixed text, fixed by `seed`."""
    rng = np.random.default_rng(seed)
    parts: list[str] = []
    size = 0
    while size < n_chars:
        kind = rng.integers(0, 10)
        if kind < 4:
            s = PROSE[rng.integers(0, len(PROSE))]
            if rng.integers(0, 2):
                s = s.upper() if rng.integers(0, 2) else s.lower()
        elif kind < 7:
            s = "".join(_PIECES[rng.integers(0, len(_PIECES))] for _ in range(rng.integers(1, 8)))
        else:
            lo, hi = _BLOCKS[rng.integers(0, len(_BLOCKS))]
            cps = rng.integers(lo, hi, size=rng.integers(1, 12))
            s = "".join(chr(c) for c in cps if not 0xD800 <= c < 0xE000)
        sep = (" ", "", "\n", "  ", "\t")[rng.integers(0, 5)]
        parts.append(s + sep)
        size += len(s) + len(sep)
    return "".join(parts)[:n_chars]
