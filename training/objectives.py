"""Losses of the semi-supervised CCVAE, one function per term, reductions explicit.

Two switchable objectives, both per image (a minibatch mean of per-image losses):

`simple` (the report's):
    labelled    L(x, y) = −E log p(x|z) + β·KL(q(z_s|x) ‖ p(z_s)) + β·KL(q(z_c|x) ‖ p(z_c|y))
                          + α·CE(y, q(y|z_c))
    unlabelled  L(x)    = −E log p(x|z) + β·KL(q(z_s|x) ‖ p(z_s))
                          + β·Σ_y q(y|z_c)·KL(q(z_c|x) ‖ p(z_c|y)) + E[H(q(y|z_c))]

`ccvae` (Joy et al., 2021, eq. 4 for labelled data):
    labelled    L(x, y) = −[ w·(log p(x|z) − β·KL(q(z|x) ‖ p(z|y)) − log q(y|z_c))
                             + log q(y|x) + log p(y) ] − α·log q(y|x),
                w = q(y|z_c) / q(y|x),  q(y|x) ≈ (1/K) Σ_k q(y|z_c^k),  z_c^k ~ q(z_c|x)
    unlabelled  L(x)    = −E log p(x|z) + β·KL(q(z_s|x) ‖ p(z_s))
                          + β·Σ_y q(y|z_c)·KL(q(z_c|x) ‖ p(z_c|y)) + KL(q(y|z_c) ‖ p(y))

Optionally (`consistency` γ > 0, a departure from the report that the label budget needs), an
unlabelled digit whose teacher view the classifier reads with confidence ≥ τ also teaches its
student view that label: + γ·1[max q(y|x_teacher) ≥ τ]·CE(argmax q(y|x_teacher), q(y|x_student)),
the pseudo-labelling of FixMatch (Sohn et al., 2020) applied to q(y|z_c). Without a strong view
the teacher is the clean digit and the student its (weakly) augmented view; with one
(`x_strong`), as in FixMatch, the teacher is the weak view and the student the strong view.

Optionally (`generation` λ > 0), digits generated from the prior must be read as their label:
+ λ·CE(y, q(y|z_c = enc(dec(z_c ~ p(z_c|y), z_s ~ N(0, I))))), y uniform, with the encoder and
classifier frozen for this term (gradients reach only the decoder and the prior). It raises a
lower bound on the mutual information I(y; x) of the generative model, as InfoGAN does, and
stops the decoder from reading the digit off z_s, which makes p(z_c|y) samples useless.

Unlabelled data always enumerates y over the classes, weighting by q(y|z_c): the mixture prior
p(z_c) = Σ_y p(z_c|y)p(y) then costs ten closed-form Gaussian KLs, and no sampled y can send the
model into the collapse that sampling causes in multi-class CCVAE and M2. The bound
KL(q(z_c|x) ‖ Σ_y p(z_c|y)p(y)) ≤ Σ_y q(y)·KL(q(z_c|x) ‖ p(z_c|y)) + KL(q(y) ‖ p(y)) is what
`ccvae` uses; `simple` replaces its last term by the report's entropy penalty.
"""

from __future__ import annotations

import math
import typing
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from training.config import LossWeights, Objective
from training.model import CCVAE, LabelModel

OBJECTIVES: tuple[str, ...] = typing.get_args(Objective)
Tensor = torch.Tensor
Maybe = torch.Tensor | None
Terms = tuple[torch.Tensor, dict[str, torch.Tensor]]  # a loss and its detached terms
__all__ = [
    "OBJECTIVES",
    "LossTerms",
    "LossWeights",
    "Maybe",
    "SemiSupervisedLoss",
    "Tensor",
    "Terms",
]


def bernoulli_log_likelihood(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p(x|z) = Σ_pixels x·log σ(l) + (1−x)·log(1−σ(l)), per image (B,)."""
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def gaussian_kl(
    loc_q: torch.Tensor, scale_q: torch.Tensor, loc_p: torch.Tensor, scale_p: torch.Tensor
) -> torch.Tensor:
    """KL(N(μq, σq²) ‖ N(μp, σp²)) = Σ_d log(σp/σq) + (σq² + (μq−μp)²)/(2σp²) − ½.

    Summed over the last dimension; the other dimensions broadcast, so (B, 1, D) against
    (1, K, D) gives the KL to each of K priors at once, (B, K).
    """
    var_ratio = (scale_q / scale_p).pow(2)
    mahalanobis = ((loc_q - loc_p) / scale_p).pow(2)
    return 0.5 * (var_ratio + mahalanobis - 1.0 - var_ratio.log()).sum(-1)


def standard_normal_kl(loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ_d (σ² + μ² − 1 − log σ²), per row."""
    var = scale.pow(2)
    return 0.5 * (var + loc.pow(2) - 1.0 - var.log()).sum(-1)


def categorical_entropy(logits: torch.Tensor) -> torch.Tensor:
    """H(q) = −Σ_y q(y) log q(y), per row."""
    log_q = logits.log_softmax(-1)
    return -(log_q.exp() * log_q).sum(-1)


def reparameterize(loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """z = μ + σ·ε, ε ~ N(0, I): a sample whose gradient reaches μ and σ."""
    return loc + scale * torch.randn_like(scale)


def pseudo_label(
    teacher_logits: torch.Tensor, student_logits: torch.Tensor, w: LossWeights
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per image γ·1[max q_teacher ≥ τ]·CE(argmax q_teacher, q_student), and the mask; no
    gradient reaches the teacher."""
    with torch.no_grad():
        confidence, target = teacher_logits.softmax(-1).max(-1)
        mask = (confidence >= w.threshold).float()
    ce = F.cross_entropy(student_logits, target, reduction="none")
    return w.consistency * mask * ce, mask


class LossTerms(nn.Module):
    """What every objective shares: the forward that sums a model's labelled, unlabelled and
    generated terms, the pseudo-label term and the generation term.

    A subclass sets `model` (a `LabelModel`) and `w` (LossWeights) and defines `labelled(x, y)`
    and `unlabelled(x, x_clean, x_strong)`, each returning (loss, detached terms).
    """

    model: LabelModel
    w: LossWeights

    def forward(
        self,
        x_l: torch.Tensor | None,
        y_l: torch.Tensor | None,
        x_u: torch.Tensor | None,
        x_u_clean: torch.Tensor | None = None,
        x_u_strong: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        total = torch.zeros((), device=next(self.model.parameters()).device)
        terms: dict[str, torch.Tensor] = {}
        if x_l is not None and y_l is not None:
            loss_l, t = self.labelled(x_l, y_l)
            total = total + loss_l
            terms.update(t, loss_l=loss_l.detach())
        if x_u is not None:
            loss_u, t = self.unlabelled(x_u, x_u_clean, x_u_strong)
            total = total + loss_u
            terms.update(t, loss_u=loss_u.detach())
        if self.w.generation > 0:
            loss_g, t = self.generated(self.w.generation_batch)
            total = total + loss_g
            terms.update(t)
        terms["loss"] = total.detach()
        return total, terms

    def pseudo_labels(
        self,
        logits: torch.Tensor,
        x: torch.Tensor,
        x_clean: torch.Tensor | None,
        x_strong: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The pseudo-label term of unlabelled digits x (per image) and its mask, or None when
        it is off. `logits` are q(y|x) as the unlabelled loss computed them. With a strong view
        the teacher is x and the student x_strong (FixMatch); else the teacher is x_clean and
        the student x."""
        if self.w.consistency <= 0 or (x_clean is None and x_strong is None):
            return None
        with torch.no_grad():
            teacher = self.model.classify(x if x_strong is not None else x_clean)
        student = logits if x_strong is None else self.model.classify(x_strong)
        return pseudo_label(teacher, student, self.w)

    def generated(self, batch: int) -> tuple[torch.Tensor, dict]:
        """λ·CE(y, q(y|x̃)) on digits x̃ decoded from the model's prior under uniform labels y,
        read by the model's own classification with frozen weights, so gradients reach only
        the decoder and the prior."""
        m = self.model
        y = torch.randint(0, m.cfg.num_classes, (batch,), device=next(m.parameters()).device)
        x = torch.sigmoid(m.sample_logits(y))
        frozen = {k: v.detach() for k, v in m.named_parameters()}
        logits = functional_call(m, frozen, (x,))  # a model's forward is its classification
        ce = F.cross_entropy(logits, y)
        accuracy = (logits.argmax(-1) == y).float().mean()
        return self.w.generation * ce, {"ce_gen": ce.detach(), "acc_gen": accuracy}


class Encoded(NamedTuple):
    """One pass of q(z|x) (one sample z) and p(x|z) over a batch of B digits."""

    loc_c: torch.Tensor  # (B, Dc)
    scale_c: torch.Tensor  # (B, Dc)
    z_c: torch.Tensor  # (B, Dc), sampled
    log_px: torch.Tensor  # (B,) log p(x|z)
    kl_s: torch.Tensor  # (B,) KL(q(z_s|x) ‖ N(0, I))
    logits: torch.Tensor  # (B, K) q(y|z_c), at the sampled z_c


class SemiSupervisedLoss(LossTerms):
    """The training objective as a module, so DistributedDataParallel can wrap one forward.

    forward(x_l, y_l, x_u, x_u_clean, x_u_strong) returns the mean labelled loss plus the mean
    unlabelled loss, and a dict of detached terms for logging. Either batch may be None
    (all-labelled or no labels); x_u_clean (the unaugmented x_u) or x_u_strong (FixMatch's strong
    view of it) is needed only by the pseudo-label term.
    """

    def __init__(self, model: CCVAE, objective: str, weights: LossWeights) -> None:
        super().__init__()
        if objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, not {objective!r}")
        self.model = model
        self.objective = objective
        self.w = weights

    def encode(self, x: torch.Tensor) -> Encoded:
        m = self.model
        loc, scale = m.encoder(x)
        z = reparameterize(loc, scale)
        loc_c, loc_s = m.split(loc)
        scale_c, scale_s = m.split(scale)
        z_c, _ = m.split(z)
        log_px = bernoulli_log_likelihood(m.decoder(z), x)
        kl_s = standard_normal_kl(loc_s, scale_s)
        return Encoded(loc_c, scale_c, z_c, log_px, kl_s, m.classifier(z_c))

    def labelled(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, dict]:
        e = self.encode(x)
        prior_loc, prior_scale = self.model.prior(y)
        kl_c = gaussian_kl(e.loc_c, e.scale_c, prior_loc, prior_scale)  # (B,)
        log_qy_zc = e.logits.log_softmax(-1).gather(1, y[:, None]).squeeze(1)  # (B,)
        beta, beta_c, alpha = self.w.beta, self.w.kl_c, self.w.alpha
        if self.objective == "simple":
            ce = -log_qy_zc
            loss = -e.log_px + beta * e.kl_s + beta_c * kl_c + alpha * ce
        else:
            k = self.w.samples_qyx
            z_ck = reparameterize(e.loc_c.expand(k, -1, -1), e.scale_c.expand(k, -1, -1))
            log_qy_zck = self.model.classifier(z_ck).log_softmax(-1)  # (K, B, C)
            log_qy_x = log_qy_zck.gather(2, y.expand(k, -1)[..., None]).squeeze(2)
            log_qy_x = log_qy_x.logsumexp(0) - math.log(k)  # (B,)
            weight = (log_qy_zc - log_qy_x).exp().detach()
            log_py = -math.log(self.model.cfg.num_classes)
            elbo = (
                weight * (e.log_px - beta * e.kl_s - beta_c * kl_c - log_qy_zc) + log_qy_x + log_py
            )
            ce = -log_qy_x
            loss = -elbo + alpha * ce
        terms = {"rec_l": -e.log_px, "kl_s_l": e.kl_s, "kl_c_l": kl_c, "ce": ce}
        return loss.mean(), {k: v.mean().detach() for k, v in terms.items()}

    def unlabelled(self, x: Tensor, x_clean: Maybe = None, x_strong: Maybe = None) -> Terms:
        """Loss of unlabelled digits x; `x_clean` (the same digits before augmentation) or
        `x_strong` (a strong view of them) turns on the pseudo-label term."""
        e = self.encode(x)
        prior_loc, prior_scale = self.model.all_priors()  # (C, Dc)
        kl_each = gaussian_kl(
            e.loc_c[:, None], e.scale_c[:, None], prior_loc[None], prior_scale[None]
        )  # (B, C)
        q_y = e.logits.softmax(-1)
        kl_c = (q_y * kl_each).sum(-1)  # (B,)
        entropy = categorical_entropy(e.logits)
        if self.objective == "simple":
            y_term = entropy
        else:  # KL(q(y) ‖ uniform) = log C − H(q)
            y_term = math.log(self.model.cfg.num_classes) - entropy
        loss = -e.log_px + self.w.beta * e.kl_s + self.w.kl_c * kl_c + y_term
        terms = {"rec_u": -e.log_px, "kl_s_u": e.kl_s, "kl_c_u": kl_c, "entropy": entropy}
        if (pseudo_term := self.pseudo_labels(e.logits, x, x_clean, x_strong)) is not None:
            pseudo, mask = pseudo_term
            loss = loss + pseudo
            terms.update(pseudo=pseudo, pseudo_share=mask)
        return loss.mean(), {k: v.mean().detach() for k, v in terms.items()}
