"""How the two translators are built, with the shipped file's own configuration and timings."""

from __future__ import annotations

from attention.translation import grammar as g
from attention.translation.store import Shipped


def about_markdown(data: Shipped) -> str:
    m, t = data.meta["model"], data.meta["train"]
    cpu = data.meta["train_cpu_seconds"]
    return f"""
**The task.** English sentences of {g.MIN_LEN} to {g.MAX_LEN} words over a vocabulary of {len(g.SOURCE_WORDS)}
words, translated into German by a small grammar, the *reference*. German puts the verb at the end of a clause
after *weil* (because), *wenn* (if) and *dass* (that), so alignment lines cross; articles and adjective endings
agree with the noun's gender and case (*der Hund*, *den alten Hund*, *ein altes Pferd*). Every English word
becomes one German word, so the grammar knows which English word each German word translates: the *gold
alignment*. One sentence in five, chosen by a hash of its words, is *held out*: never trained on. The
accuracy figures above (chart, table, alignment counts) are measured on held-out sentences only.

**Encoder (both models).** Each English word becomes an embedding of {m['emb']} numbers; a bidirectional GRU (a
recurrent network: one pass left to right and one right to left, {m['enc']} units each) turns the sentence into
one vector of {2 * m['enc']} numbers per word.

**Decoder (both models).** A GRU of {m['dec']} units writes German one word at a time, reading the word it wrote
last and its own output from the step before (which holds what it read then). Before choosing each word it
cross-attends: its state makes a query q = s W_Q, a memory gives keys
K = memory W_K and values V = memory W_V, and `attention.scaled_dot_product_attention(q, K, V)` returns what it
read and the weights (the heatmap above). The word is scored from the state and what was read.

**The one difference.** The attention model's memory is every encoder vector, one per English word. The
bottleneck model's memory is one vector: the mean of the encoder vectors. With a single key, softmax gives it
weight 1 whatever the query, so the bottleneck decoder reads the same summary at every step (its W_Q and W_K
are trained like every other weight, but they cannot change what it reads). Both decoders start from that
summary, s₀ = tanh(mean(memory) W_init). The mean, rather than the last encoder vector, puts every word's vector
into the summary and keeps it in the same space as the attention model's memory, so the same W_K, W_V and
W_init serve both. Same code, same {data.meta['parameters']:,} parameters, same initial weights, same batches,
same schedule.

**Why recurrent.** This is the setting where the bottleneck was found and attention was invented: RNN
encoder–decoders compressed the sentence into one vector (Sutskever et al. 2014; Cho et al. 2014), Cho et al.
(2014, *On the properties of neural machine translation*) found their translations got worse as sentences got
longer, and Bahdanau et al. (2015) let the decoder look back at every encoder state. The decoder here is
Luong et al.'s (2015) "global attention" with input feeding, scored with the transformer's scaled dot product.
With a transformer encoder the bottleneck model would use self-attention too, blurring the comparison.

**Training.** Teacher forcing (the decoder reads the reference's previous word), cross-entropy loss, gradients
by this project's own backward passes (`attention/grad.py`, `attention/layers.py`, each checked against finite
differences in the tests), Adam with step size {t['lr']:g} after a {t['warmup']}-step warm-up, falling linearly
to {100 * t['lr_floor']:g} % of it over the last {round(100 * (1 - t['decay_from']))} % of the steps, gradients clipped
to norm {t['clip']:g}. Each model trained for {t['steps']:,} steps of {t['batch']} sentences drawn from
{t['corpus']:,} training sentences (seed {t['seed']}): {cpu['attention']:.0f} s and {cpu['bottleneck']:.0f} s of
CPU time on the development machine.
At test time the models decode greedily: the best-scoring word at each step. Retrain both with
`python scripts/train_translators.py`.
"""
