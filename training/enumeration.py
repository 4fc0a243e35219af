"""The baselines' objective: the M2-style bound that enumerates y on unlabelled data.

For a model with q(y|x), q(z|x[, y]) and p(x|y, z), per image:

    labelled    L(x, y) = −E_q(z|x,y) log p(x|y, z) + β·KL(q(z|x, y) ‖ N(0, I)) + α·CE(y, q(y|x))
    unlabelled  L(x)    = Σ_y q(y|x)·[−E log p(x|y, z) + β·KL(q(z|x, y) ‖ N(0, I))] + R(q(y|x))

with R = KL(q(y|x) ‖ p(y)) = log K − H(q) for M2, as Kingma et al. (2014) write it, and
R = +H(q) for the report's CVAE, the same entropy penalty as the CCVAE's `simple` objective.
The enumeration is exact: ten decoder passes per unlabelled image, no sampled y.

The project's additions apply unchanged, so the three models see the same data pipeline:
pseudo-labels (γ·CE of the augmented view against the clean view's confident q(y|x)) and the
generation term (λ·CE of the frozen classifier on digits decoded from z ~ N(0, I) under y).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from training.baselines import M2, LabelledVAE
from training.config import LossWeights
from training.objectives import (
    LossTerms,
    Maybe,
    Tensor,
    Terms,
    bernoulli_log_likelihood,
    categorical_entropy,
    reparameterize,
    standard_normal_kl,
)


class EnumeratedLoss(LossTerms):
    """forward(x_l, y_l, x_u, x_u_clean) → (loss, terms), as `SemiSupervisedLoss` does."""

    def __init__(self, model: LabelledVAE, weights: LossWeights) -> None:
        super().__init__()
        self.model = model
        self.w = weights
        self.kl_to_prior = isinstance(model, M2)  # R(q): M2's KL, else the report's entropy

    def elbo_terms(self, h: torch.Tensor, x: torch.Tensor, y: torch.Tensor):
        """−log p(x|y, z) and KL(q(z|x, y) ‖ N(0, I)), one z sample, per row (B,) each."""
        loc, scale = self.model.posterior(h, y)
        z = reparameterize(loc, scale)
        rec = -bernoulli_log_likelihood(self.model.decode(z, y), x)
        return rec, standard_normal_kl(loc, scale)

    def labelled(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, dict]:
        h = self.model.encoder.features(x)
        rec, kl = self.elbo_terms(h, x, y)
        ce = F.cross_entropy(self.model.classifier(h), y, reduction="none")
        loss = rec + self.w.beta * kl + self.w.alpha * ce
        terms = {"rec_l": rec, "kl_l": kl, "ce": ce}
        return loss.mean(), {k: v.mean().detach() for k, v in terms.items()}

    def enumerate_labels(
        self, h: torch.Tensor, x: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """−log p(x|y, z) and KL for every label, (B, K) each: one batched pass of K·B rows."""
        b, k = len(x), self.model.cfg.num_classes
        y = torch.arange(k, device=x.device).repeat_interleave(b)  # (K·B,) label-major
        rec, kl = self.elbo_terms(h.repeat(k, 1), x.repeat(k, 1, 1, 1), y)
        return rec.view(k, b).T, kl.view(k, b).T

    def unlabelled(self, x: Tensor, x_clean: Maybe = None, x_strong: Maybe = None) -> Terms:
        h = self.model.encoder.features(x)
        logits = self.model.classifier(h)
        q_y = logits.softmax(-1)  # (B, K)
        rec_y, kl_y = self.enumerate_labels(h, x)
        rec, kl = (q_y * rec_y).sum(-1), (q_y * kl_y).sum(-1)
        entropy = categorical_entropy(logits)
        log_k = math.log(self.model.cfg.num_classes)
        y_term = log_k - entropy if self.kl_to_prior else entropy
        loss = rec + self.w.beta * kl + y_term
        terms = {"rec_u": rec, "kl_u": kl, "entropy": entropy}
        if (pseudo_term := self.pseudo_labels(logits, x, x_clean, x_strong)) is not None:
            pseudo, mask = pseudo_term
            loss = loss + pseudo
            terms.update(pseudo=pseudo, pseudo_share=mask)
        return loss.mean(), {k: v.mean().detach() for k, v in terms.items()}
