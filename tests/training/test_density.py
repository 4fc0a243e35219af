"""The latent density fitted after training: one Gaussian over z per label, read by the model's
own classifier, that generation samples from instead of the priors."""

from __future__ import annotations

import torch

from training.density import LatentDensity, fit_density
from training.model import CCVAE, ModelConfig


def _codes(model: CCVAE, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.no_grad():
        loc, _ = model.encoder(images.float() / 255)
        return loc, model.classifier(model.split(loc)[0]).argmax(-1)


def test_samples_have_each_labels_mean_and_covariance():
    tril = torch.tensor([[[1.0, 0.0], [0.5, 0.2]], [[0.3, 0.0], [-0.4, 2.0]]])
    density = LatentDensity(torch.tensor([[0.0, 1.0], [5.0, -5.0]]), tril)
    y = torch.tensor([1]).repeat(20000)
    z = density.sample(y, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(z.mean(0), torch.tensor([5.0, -5.0]), atol=0.05, rtol=0)
    torch.testing.assert_close(torch.cov(z.T), tril[1] @ tril[1].T, atol=0.06, rtol=0)
    cold = density.sample(y[:5], temperature=0.0)
    torch.testing.assert_close(cold, torch.tensor([[5.0, -5.0]]).repeat(5, 1))


def test_each_label_is_fitted_to_the_codes_its_classifier_reads():
    torch.manual_seed(0)
    model = CCVAE(ModelConfig(latent_c=3, latent_s=2, channels=4, hidden=16)).eval()
    images = torch.randint(0, 256, (3000, 1, 28, 28), dtype=torch.uint8)
    density = fit_density(model, images)
    z, read = _codes(model, images)
    label = int(read.mode().values)  # the label with the most digits: shrinkage hardly moves it
    mine = z[read == label]
    torch.testing.assert_close(density.loc[label], mine.mean(0), atol=0.02, rtol=0)
    cov = density.scale_tril[label] @ density.scale_tril[label].T
    torch.testing.assert_close(cov, torch.cov(mine.T), atol=0.02, rtol=0.1)


def test_a_label_the_classifier_never_reads_still_gets_a_proper_gaussian():
    torch.manual_seed(0)
    model = CCVAE(ModelConfig(latent_c=3, latent_s=2, channels=4, hidden=16)).eval()
    with torch.no_grad():
        model.classifier.bias[4] = -1e4  # nothing is ever read as a 4
    images = torch.randint(0, 256, (500, 1, 28, 28), dtype=torch.uint8)
    density = fit_density(model, images)
    z, _ = _codes(model, images)
    prior_loc, _ = model.all_priors()
    # its mean falls back to p(z_c|4)'s mean beside the mean style, its spread to all codes'
    torch.testing.assert_close(density.loc[4, :3], prior_loc[4], atol=1e-5, rtol=0)
    torch.testing.assert_close(density.loc[4, 3:], z[:, 3:].mean(0), atol=1e-5, rtol=0)
    cov = density.scale_tril[4] @ density.scale_tril[4].T
    torch.testing.assert_close(cov, torch.cov(z.T), atol=1e-3, rtol=0.01)
