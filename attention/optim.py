"""Adam (Kingma & Ba 2015), the optimiser that trains the translators, with gradient-norm clipping."""

from __future__ import annotations

import numpy as np

__all__ = ["Adam", "clip_by_global_norm"]


#   g ← g · min(1, c / ‖g‖)   with ‖g‖ over every parameter at once
def clip_by_global_norm(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale every gradient in place so that their joint norm is at most ``max_norm``; returns the norm before."""
    norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
    if norm > max_norm:
        for g in grads.values():
            g *= max_norm / norm
    return norm


class Adam:
    """Adam on a dict of parameter arrays, updated in place.

    m ← β₁ m + (1 − β₁) g                 first moment (momentum)
    v ← β₂ v + (1 − β₂) g²                second moment
    θ ← θ − lr · m̂ / (√v̂ + ε)            with bias corrections m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ)
    """

    def __init__(self, params: dict[str, np.ndarray], *, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        self.params, self.lr, (self.b1, self.b2), self.eps = params, lr, betas, eps
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.t = 0

    def step(self, grads: dict[str, np.ndarray], lr: float | None = None) -> None:
        self.t += 1
        lr = self.lr if lr is None else lr
        step = lr * np.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)  # both bias corrections in one factor
        for k, p in self.params.items():
            g = grads[k]
            self.m[k] += (1 - self.b1) * (g - self.m[k])  # m ← β₁ m + (1 − β₁) g
            self.v[k] += (1 - self.b2) * (g * g - self.v[k])  # v ← β₂ v + (1 − β₂) g²
            p -= step * self.m[k] / (np.sqrt(self.v[k]) + self.eps)
