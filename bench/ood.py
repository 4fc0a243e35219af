"""How well the model tells digits from other pictures: its out-of-distribution score against the
classifier's maximum softmax probability (MSP; Hendrycks & Gimpel, 2017), on what the service
would feed the model.

In-distribution: the MNIST test digits. Out: the families of `bench/ood_inputs.py` and test
digits rotated by 90°, 180° and 270°. Every image goes as PNG bytes through
`service.imaging.prepare` (crop to the ink, scale to 20 px, centre the mass), then through the
service's Runtime. Images the preparation refuses (a blank, a checkerboard whose ink drowns in
its own noise estimate) never reach the model; they are counted, not scored.

Scores (higher: less like a digit): the served `score` and its two terms r (reconstruction NLL)
and l (latent NLL under the fitted density), the negative ELBO with the model's own priors
(r + KL(q(z|x) ‖ p(z_c|ŷ) p(z_s))), the classifier's entropy, and 1 − MSP.
Reported per family and pooled: AUROC, and the false-alarm rate on test digits at the threshold
that detects 95 % of the family (FPR@95); the share the served threshold flags. The likelihood
pitfall of Nalisnick et al. (2019) is checked on blank images fed as they are (fit=false).

    python -m bench.ood --out results/ood
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import ood_inputs
from bench.workload import mnist_test_digits, png
from service import imaging
from service.errors import ServiceError
from service.manifest import load_manifest
from service.runtime import Runtime
from service.settings import Settings

PER_FAMILY = 300
DIGITS = 10_000
COST_REQUESTS = 2000
SEED = 0
WARM_UP = 100
DETECTION = 0.95
SCORES = ("score", "reconstruction_nll", "latent_nll", "neg_elbo", "entropy", "one_minus_msp")


def prepare_all(images: list[np.ndarray], shape: tuple[int, int, int]) -> tuple[np.ndarray, int]:
    """Model inputs of the images the service would accept, and how many it refuses."""
    kept, refused = [], 0
    for image in images:
        try:
            kept.append(imaging.prepare(png(image), shape, "auto", 1 << 30))
        except ServiceError:
            refused += 1
    return np.stack(kept) if kept else np.zeros((0, *shape), np.float32), refused


def all_scores(runtime: Runtime, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every compared score of a batch of model inputs, (N,) each."""
    encoding = runtime.encode_and_classify(x)
    loc, scale, p = (a.astype(np.float64) for a in encoding.fields()[:3])
    feed = {"image": x, "z": encoding.loc, "reconstruction": runtime.decode(encoding.loc)}
    score, r, l_ = runtime.sessions["ood"].run(None, feed)
    label = p.argmax(1)
    prior_loc, prior_scale = (a.astype(np.float64) for a in runtime.prior(label))
    mu = np.concatenate([prior_loc, np.zeros_like(loc[:, prior_loc.shape[1] :])], 1)
    sd = np.concatenate([prior_scale, np.ones_like(loc[:, prior_loc.shape[1] :])], 1)
    kl = (np.log(sd / scale) + (scale**2 + (loc - mu) ** 2) / (2 * sd**2) - 0.5).sum(1)
    return {
        "score": score,
        "reconstruction_nll": r,
        "latent_nll": l_,
        "neg_elbo": r + kl,
        "entropy": -(p * np.log(np.maximum(p, 1e-12))).sum(1),
        "one_minus_msp": 1.0 - p.max(1),
    }


def auroc(inside: np.ndarray, outside: np.ndarray) -> float:
    """P(an outside score > an inside one), ties counted half (the Mann-Whitney U statistic)."""
    both = np.concatenate([inside, outside])
    _, inverse, counts = np.unique(both, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]  # average ranks, from 1
    u = ranks[len(inside) :].sum() - len(outside) * (len(outside) + 1) / 2.0
    return float(u / (len(inside) * len(outside)))


def fpr_at(inside: np.ndarray, outside: np.ndarray, detection: float = DETECTION) -> float:
    """Share of inside scores at or above the threshold that detects `detection` of outside."""
    return float((inside >= np.quantile(outside, 1.0 - detection)).mean())


def compare(inside: dict[str, np.ndarray], outside: dict[str, np.ndarray]) -> dict[str, Any]:
    return {
        name: {
            "auroc": round(auroc(inside[name], outside[name]), 4),
            "fpr_at_95": round(fpr_at(inside[name], outside[name]), 4),
        }
        for name in SCORES
    }


def pitfall(runtime: Runtime, inside: dict[str, np.ndarray]) -> dict[str, Any]:
    """Percentile among the test digits of each score of a black and a white blank, fed as they
    are (fit=false): a likelihood that prefers them to digits shows the Nalisnick pitfall."""
    shape = runtime.manifest.image.shape
    blanks = np.stack([np.zeros(shape, np.float32), np.ones(shape, np.float32)])
    scores = all_scores(runtime, blanks)
    return {
        kind: {
            name: round(float((inside[name] < scores[name][i]).mean() * 100), 2) for name in SCORES
        }
        for i, kind in enumerate(("black", "white"))
    }


def added_cost(runtime: Runtime, pngs: list[bytes], count: int) -> dict[str, float]:
    """CPU time per request of /classify's in-process steps (prepare + model), one at a time,
    without and with the score, interleaved. CPU time rather than wall time, since this
    machine's cores are shared: other processes stretch the wall clock, not this one's CPU."""
    shape = runtime.manifest.image.shape
    times: dict[str, list[float]] = {"without": [], "with": []}
    for i in range(count + WARM_UP):
        for kind, step in (("without", runtime.encode_and_classify), ("with", runtime.read)):
            t0 = time.process_time()
            step(imaging.prepare(pngs[i % len(pngs)], shape, "auto", 1 << 30)[None])
            if i >= WARM_UP:
                times[kind].append(time.process_time() - t0)
    without, with_ = (float(np.median(times[k]) * 1e3) for k in ("without", "with"))
    return {
        "cpu_ms_without": round(without, 4),
        "cpu_ms_with": round(with_, 4),
        "ratio": round(with_ / without, 3),
    }


def measure(
    model_dir: Path,
    per_family: int = PER_FAMILY,
    seed: int = SEED,
    digits_count: int = DIGITS,
    cost_requests: int = COST_REQUESTS,
) -> dict[str, Any]:
    """Every family against the first `digits_count` test digits; the cost on `cost_requests`."""
    runtime = Runtime.load(load_manifest(model_dir), "cpu", 1)
    if not runtime.has_ood or runtime.manifest.ood is None:
        raise SystemExit(f"{model_dir} ships no ood.onnx: calibrate it with ccvae-ood first")
    shape, threshold = runtime.manifest.image.shape, runtime.manifest.ood.threshold
    digits, labels = mnist_test_digits(digits_count)
    x_in, refused_in = prepare_all(list(digits), shape)
    if refused_in:  # the errors below pair inputs with labels row by row
        raise SystemExit(f"the service refuses {refused_in} MNIST test digits: fix imaging first")
    inside = all_scores(runtime, x_in)
    wrong = runtime.encode_and_classify(x_in).probabilities.argmax(1) != labels
    rng = np.random.default_rng(seed)
    families = dict(ood_inputs.FAMILIES)
    for turns in (1, 2, 3):
        families[f"digits rotated {90 * turns}°"] = ood_inputs.rotated(digits, turns)
    per: dict[str, Any] = {}
    pooled: dict[str, list[np.ndarray]] = {name: [] for name in SCORES}
    for family, make in families.items():
        x, refused = prepare_all(make(rng, per_family), shape)
        entry: dict[str, Any] = {"images": len(x) + refused, "refused": refused}
        if len(x):
            outside = all_scores(runtime, x)
            entry |= {
                "flagged": round(float((outside["score"] > threshold).mean()), 4),
                "msp_below_0.9": round(float((outside["one_minus_msp"] > 0.1).mean()), 4),
                **compare(inside, outside),
            }
            for name in SCORES:
                pooled[name].append(outside[name])
        per[family] = entry
    everything = {name: np.concatenate(parts) for name, parts in pooled.items()}
    return {
        "model": runtime.manifest.name,
        "version": runtime.manifest.version,
        "in_distribution": {
            "images": len(digits),
            "flagged": round(float((inside["score"] > threshold).mean()), 4),
            "calibrated_false_alarm_rate": runtime.manifest.ood.false_alarm_rate,
            "errors": int(wrong.sum()),
            "errors_with_msp_over_0.9": int((wrong & (inside["one_minus_msp"] < 0.1)).sum()),
            "errors_flagged": int((wrong & (inside["score"] > threshold)).sum()),
        },
        "pooled": {
            "images": len(everything["score"]) + sum(e["refused"] for e in per.values()),
            "refused": sum(e["refused"] for e in per.values()),
            "flagged": round(float((everything["score"] > threshold).mean()), 4),
            **compare(inside, everything),
        },
        "families": per,
        "pitfall_percentiles": pitfall(runtime, inside),
        "cost": added_cost(runtime, [png(d) for d in digits[:256]], cost_requests),
        "per_family": per_family,
        "seed": seed,
        "fonts": len(ood_inputs.fonts()),
    }


def table(result: dict[str, Any]) -> str:
    """The results as Markdown: AUROC and FPR@95 of the served score and of MSP per family."""
    rows = [
        "| inputs | n | refused | flagged | AUROC score | AUROC MSP | FPR@95 score | FPR@95 MSP |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, entry in [*result["families"].items(), ("**pooled**", result["pooled"])]:
        if "score" not in entry:
            rows.append(f"| {name} | {entry['images']} | {entry['refused']} | – | – | – | – | – |")
            continue
        s, m = entry["score"], entry["one_minus_msp"]
        refused = entry.get("refused", 0)
        rows.append(
            f"| {name} | {entry['images']} | {refused} | {entry['flagged']:.1%} | "
            f"{s['auroc']:.3f} | {m['auroc']:.3f} | {s['fpr_at_95']:.1%} | {m['fpr_at_95']:.1%} |"
        )
    pooled = result["pooled"]
    rows += ["", "| score (pooled) | AUROC | FPR@95 |", "|---|---:|---:|"]
    rows += [f"| {n} | {pooled[n]['auroc']:.3f} | {pooled[n]['fpr_at_95']:.1%} |" for n in SCORES]
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="bench.ood",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--model-dir", type=Path, default=Settings().model_dir)
    p.add_argument("--out", type=Path, default=Path("results/ood"))
    p.add_argument("--per-family", type=int, default=PER_FAMILY, help="images per family")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--digits", type=int, default=DIGITS, help="MNIST test digits (in-distribution)")
    p.add_argument("--cost-requests", type=int, default=COST_REQUESTS, help="timed per variant")
    args = p.parse_args(argv)
    result = measure(args.model_dir, args.per_family, args.seed, args.digits, args.cost_requests)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "results.md").write_text(table(result))
    print(table(result))


if __name__ == "__main__":
    main()
