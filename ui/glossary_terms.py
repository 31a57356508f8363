"""The glossary's data: every term the app uses, in plain words, and the pages it appears on.

Pure data and text (no streamlit): the Glossary page draws it, the widgets' ``help=`` tooltips quote it
(:func:`tip`), and the lesson texts link to it (:func:`link`). One definition per term, used everywhere.
``pages`` are labels of :data:`ui.layout.PAGES`; ``spelled`` are the regular expressions (case-insensitive)
by which the term is found in those pages' sources (checked by tests/test_glossary.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GLOSSARY_URL = "Glossary"  # the Glossary page's URL path, relative to the app's address


@dataclass(frozen=True)
class Term:
    key: str  # the anchor and the search word: Glossary#key
    name: str
    plain: str  # the definition, in plain words (markdown)
    pages: tuple[str, ...]  # labels of the pages that use the term
    spelled: tuple[str, ...]  # how the pages' sources write it (regular expressions, case-insensitive)


HOME, HEATMAP, BUILD, ACADEMIC, COMPLEXITY, TRANSLATION = (
    "Home", "Heatmap", "Build it step by step", "Academic", "Complexity", "Translation")

TERMS: tuple[Term, ...] = (
    Term("attention", "Attention",
         "A way for each word to gather information from the other words: it scores how relevant every word is, "
         "turns the scores into weights that add up to 1, and takes the weighted blend of the words' values.",
         (HOME, HEATMAP, BUILD, ACADEMIC, COMPLEXITY, TRANSLATION), (r"\battention\b",)),
    Term("token", "Token",
         "The unit a model reads: a word, a piece of a word or a punctuation mark. Each token becomes one row of "
         "the matrices and one row and column of a heatmap. **n** (or T) is the number of tokens.",
         (HOME, HEATMAP, ACADEMIC, COMPLEXITY), (r"\btokens?\b",)),
    Term("word-piece", "Word piece",
         "A pretrained model's vocabulary holds whole common words and pieces of rarer ones; a word it does not "
         "know whole is split into known pieces, each one token.",
         (HEATMAP,), (r"word pieces?",)),
    Term("embedding", "Embedding",
         "The vector of numbers that stands for a token when it enters the model. In a trained model the "
         "embeddings are learned, so that words used alike get similar vectors; on the toy pages they are "
         "random or hand-made numbers.",
         (HOME, HEATMAP, BUILD, ACADEMIC, TRANSLATION), (r"embeddings?",)),
    Term("d_model", "d_model",
         "The number of entries in each token's embedding vector: the width of the model.",
         (HEATMAP, BUILD, ACADEMIC), (r"d_model",)),
    Term("d_k", "d_k",
         "The number of entries in each query and key vector (per head). Scaled dot-product attention divides "
         "the scores by √d_k, so that their spread does not grow with d_k.",
         (HOME, HEATMAP, BUILD, ACADEMIC), (r"d_k",)),
    Term("dot-product", "Dot product",
         "Multiply two vectors entry by entry and add the products up: one number that is large when the "
         "vectors point the same way.",
         (HOME, HEATMAP, BUILD, ACADEMIC, COMPLEXITY), (r"dot products?",)),
    Term("query", "Query (Q)",
         "The vector a token uses to ask *which tokens are relevant to me?*: its embedding times W_Q. "
         "The rows of Q are the queries of all tokens.",
         (HOME, HEATMAP, BUILD, ACADEMIC, COMPLEXITY, TRANSLATION), (r"\bquer(y|ies)\b",)),
    Term("key", "Key (K)",
         "The vector by which a token can be found: its embedding times W_K. A query is compared with every "
         "key; the better the match, the higher the score.",
         (HOME, HEATMAP, BUILD, ACADEMIC, COMPLEXITY, TRANSLATION), (r"\bkeys?\b",)),
    Term("value", "Value (V)",
         "The vector a token hands over when others attend to it: its embedding times W_V. A token's output is "
         "the blend of all values, weighted by its attention weights.",
         (HOME, HEATMAP, BUILD, ACADEMIC), (r"\bvalues?\b",)),
    Term("projections", "W_Q, W_K, W_V (projection matrices)",
         "Three matrices that turn each embedding (d_model numbers) into its query, key and value (d_k numbers "
         "each). A trained model learns them; on the toy pages they are random.",
         (HEATMAP, BUILD, ACADEMIC), (r"W_Q",)),
    Term("w-o", "W_O (output matrix)",
         "In multi-head attention the heads' outputs are put side by side and multiplied by W_O, which mixes "
         "them back into one vector per token.",
         (HEATMAP, ACADEMIC), (r"W_O",)),
    Term("score", "Score",
         "How well a query matches a key: their dot product, which scaled dot-product attention divides by "
         "√d_k. The higher a score, the more weight after the softmax.",
         (HOME, HEATMAP, BUILD, ACADEMIC, COMPLEXITY), (r"\bscores?\b",)),
    Term("softmax", "Softmax",
         "Turns a row of scores into positive weights that add up to 1: e to the power of each score, divided "
         "by the sum of them all. The biggest score gets the biggest weight.",
         (HOME, HEATMAP, BUILD, ACADEMIC, COMPLEXITY, TRANSLATION), (r"softmax",)),
    Term("temperature", "Temperature",
         "An extra divisor of the scores before the softmax, a knob of Home's library demo and of the Heatmap's "
         "random mode: low makes the weights sharp (the best match takes almost everything), high makes them "
         "even. Standard attention has no temperature; its only divisor is √d_k.",
         (HOME, HEATMAP), (r"temperature",)),
    Term("weights", "Attention weights",
         "The softmax of the scores: how much of each token's value a token takes. Each row adds up to 1. "
         "(A model's learned numbers, such as W_Q, are also called its weights.)",
         (HOME, HEATMAP, BUILD, ACADEMIC, COMPLEXITY, TRANSLATION), (r"\bweights\b",)),
    Term("head", "Head",
         "One attention computation with its own W_Q, W_K and W_V, so its own pattern of weights.",
         (HOME, HEATMAP, ACADEMIC, COMPLEXITY), (r"\bheads?\b",)),
    Term("multi-head", "Multi-head attention",
         "Several heads side by side on the same tokens, each free to look for something different; their "
         "outputs are joined and mixed by W_O.",
         (ACADEMIC,), (r"multi-head",)),
    Term("layer", "Layer",
         "One block of a transformer: multi-head self-attention followed by a small feed-forward network. Models "
         "stack several layers; each reads what the layer below wrote.",
         (HOME, HEATMAP, ACADEMIC), (r"\blayers?\b",)),
    Term("residual-stream", "Residual stream",
         "Each token's vector as it passes up through the layers: every layer adds its output to it instead of "
         "replacing it, so one head's weights alone do not decide what the model does.",
         (HEATMAP,), (r"residual stream",)),
    Term("self-attention", "Self-attention",
         "Attention in which the queries, keys and values all come from the same sentence: every word attends "
         "to the words of its own sentence.",
         (HOME, BUILD, ACADEMIC, TRANSLATION), (r"self-attention",)),
    Term("cross-attention", "Cross-attention",
         "Attention in which the queries come from one sequence and the keys and values from another: a "
         "translator's decoder, writing German, attends to the English source words.",
         (TRANSLATION,), (r"cross-attention",)),
    Term("causal-mask", "Causal mask",
         "Forbids each token to look at later tokens: their scores are set to −∞, so their weights are 0. "
         "GPT-style models that write text left to right use it.",
         (HEATMAP, BUILD, ACADEMIC, COMPLEXITY), (r"causal",)),
    Term("padding-mask", "Padding mask",
         "Sentences of a batch are made equally long by appending [PAD] tokens; the padding mask sets their "
         "scores to −∞ so that no real word gives them weight.",
         (ACADEMIC,), (r"padding",)),
    Term("cls", "[CLS]",
         "A special token that BERT-style tokenizers put before the text. A head with nothing better to look at "
         "can park its weight there (a dark first column); the Heatmap's pretrained mode shows how much each "
         "head gives it for your sentence.",
         (HEATMAP,), (r"\[CLS\]",)),
    Term("sep", "[SEP]",
         "A special token that BERT-style tokenizers put after the text (and between two sentences).",
         (HEATMAP,), (r"\[SEP\]",)),
    Term("pad", "[PAD]",
         "A filler token appended to make sentences equally long; it carries no meaning, so it should be masked.",
         (ACADEMIC,), (r"\[PAD\]",)),
    Term("encoder", "Encoder",
         "A network that reads a whole input. In a BERT-style transformer encoder (the Heatmap's pretrained model) "
         "every token may attend to every token; a translator's encoder reads the source sentence.",
         (HOME, HEATMAP, ACADEMIC, TRANSLATION), (r"encoder",)),
    Term("decoder", "Decoder",
         "The part of a translator that writes the output one word at a time, from what it wrote so far and "
         "what it reads of the encoder.",
         (ACADEMIC, TRANSLATION), (r"decoder",)),
    Term("rnn", "RNN (recurrent network)",
         "A network that reads a sentence one token at a time, updating a fixed-size state vector at each step: "
         "n steps one after the other, where attention handles all pairs at once.",
         (HOME, ACADEMIC, COMPLEXITY, TRANSLATION), (r"\bRNN\b", r"recurrent")),
    Term("bottleneck", "Bottleneck",
         "A translator that must write from one fixed-size vector summarising the whole source sentence: the "
         "longer the sentence, the more must fit through that one vector.",
         (TRANSLATION,), (r"bottleneck",)),
    Term("flashattention", "FlashAttention (tiled attention)",
         "Computes exactly the same attention in tiles of queries × keys, never holding the whole n × n matrix "
         "of weights: the same arithmetic, much less memory.",
         (ACADEMIC, COMPLEXITY), (r"FlashAttention",)),
    Term("online-softmax", "Online softmax",
         "A softmax computed one block of scores at a time: keep a running maximum and a running sum, and "
         "rescale what was added so far whenever a bigger maximum turns up. It is what lets tiled attention "
         "work without the whole row of scores.",
         (COMPLEXITY,), (r"online softmax",)),
    Term("big-o", "O(n²)",
         "Grows in proportion to n squared: twice as many tokens, four times the work (or memory). O(n) grows in "
         "proportion to n.",
         (ACADEMIC, COMPLEXITY), (r"O\(n²", r"O\(n\^2")),
    Term("flop", "FLOP",
         "One floating-point operation: one multiplication or addition of two numbers.",
         (COMPLEXITY,), (r"\bFLOPs?\b",)),
    Term("gflops", "GFLOP/s",
         "Billions of floating-point operations per second: how fast a computer does arithmetic.",
         (COMPLEXITY,), (r"GFLOP/s",)),
    Term("bf16", "bf16",
         "bfloat16: a 16-bit number format (2 bytes per number) that GPUs use to store and multiply "
         "numbers fast, with fewer digits than 32-bit floats.",
         (COMPLEXITY,), (r"bf16",)),
    Term("oom", "OOM (out of memory)",
         "A computation that needed more memory than the machine (or the GPU) has, so it stopped.",
         (COMPLEXITY,), (r"out of memory",)),
    Term("entropy", "Entropy (nats)",
         "How spread out a row of weights is: 0 when one token takes all the weight, ln n when n tokens share it "
         "evenly. Measured with the natural logarithm, its unit is the nat.",
         (ACADEMIC,), (r"entropy",)),
    Term("cosine-similarity", "Cosine similarity",
         "How alike two vectors' directions are: their dot product divided by both lengths; 1 for the same "
         "direction, 0 for perpendicular, −1 for opposite.",
         (HEATMAP,), (r"cosine",)),
    Term("pretrained", "Pretrained model",
         "A model that others have already trained on a large amount of text, loaded here with its learned "
         "numbers: all-MiniLM-L6-v2, a BERT-style encoder of 6 layers × 12 heads.",
         (HOME, HEATMAP, ACADEMIC), (r"pretrained",)),
    Term("exact-match", "Exact match",
         "A translation counts as an exact match when the whole translation equals the reference translation.",
         (TRANSLATION,), (r"exact match",)),
    Term("alignment", "Alignment",
         "Which source word (or words) each translated word comes from. A translator's attention weights can be "
         "compared with it.",
         (TRANSLATION,), (r"alignment",)),
    Term("seed", "Seed",
         "The number that starts the random draws: the same seed always gives the same random numbers, so a link "
         "with a seed shows the same matrices to everyone.",
         (HEATMAP, BUILD, ACADEMIC, COMPLEXITY), (r"\bseed\b",)),
)

BY_KEY = {t.key: t for t in TERMS}


def link(key: str, text: str | None = None) -> str:
    """A markdown link to the term's glossary entry (opens the Glossary page at that entry); its text is
    ``text``, else the term's name as it reads inside a sentence ("Softmax" -> "softmax", "RNN" stays)."""
    term = BY_KEY[key]
    name = term.name
    if text is None and name[:1].isupper() and name[1:2].islower():
        text = name[0].lower() + name[1:]
    return f"[{text or name}]({GLOSSARY_URL}?q={term.key}#{term.key})"


def tip(key: str, detail: str | None = None) -> str:
    """A widget's ``help=`` text: ``detail`` (what the widget does here), then the glossary's definition."""
    term = BY_KEY[key]
    glossary = f"📖 **{term.name}**: {term.plain}"
    return f"{detail}\n\n{glossary}" if detail else glossary


def search(query: str) -> list[Term]:
    """The terms whose name, key or definition contain every word of ``query`` (case-insensitive)."""
    words = [w for w in re.split(r"\s+", query.strip().lower()) if w]
    if not words:
        return list(TERMS)
    hits = [t for t in TERMS if all(w in f"{t.key} {t.name} {t.plain}".lower() for w in words)]
    exact = [t for t in hits if query.strip().lower() in (t.key, t.name.lower())]
    return exact + [t for t in hits if t not in exact]  # the term itself first, then the ones that mention it
