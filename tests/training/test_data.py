"""MNIST reading and the semi-supervised split."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import torch

from training.data import load_mnist, read_idx, split_indices


def test_load_mnist_reads_the_original_files(mnist_dir):
    images, labels = load_mnist("test", mnist_dir)
    assert images.shape == (10000, 1, 28, 28) and images.dtype == torch.uint8
    assert labels.shape == (10000,) and labels.dtype == torch.int64
    assert torch.bincount(labels).tolist()[:3] == [980, 1135, 1032]


def test_read_idx_accepts_raw_and_gzipped_files(tmp_path):
    header = bytes([0, 0, 0x08, 1]) + (3).to_bytes(4, "big")
    (tmp_path / "raw").write_bytes(header + bytes([1, 2, 3]))
    with gzip.open(tmp_path / "packed.gz", "wb") as f:
        f.write(header + bytes([1, 2, 3]))
    assert read_idx(tmp_path / "raw").tolist() == [1, 2, 3]
    assert read_idx(tmp_path / "packed.gz").tolist() == [1, 2, 3]


def test_read_idx_rejects_a_file_that_is_not_idx(tmp_path):
    (tmp_path / "junk").write_bytes(b"\x89PNG\r\n\x1a\n....")
    with pytest.raises(ValueError, match="not an unsigned-byte IDX"):
        read_idx(tmp_path / "junk")


def test_load_mnist_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        load_mnist("test", tmp_path)


def _labels(n: int = 3000, seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).integers(0, 10, n))


def test_split_is_disjoint_and_covers_the_training_set():
    labels = _labels()
    s = split_indices(labels, num_labelled=100, num_validation=500, seed=1)
    parts = [set(s.labelled.tolist()), set(s.unlabelled.tolist()), set(s.validation.tolist())]
    assert sum(map(len, parts)) == len(labels)
    assert set().union(*parts) == set(range(len(labels)))
    assert len(parts[2]) == 500


def test_split_labels_the_same_number_of_each_class():
    labels = _labels()
    s = split_indices(labels, num_labelled=100, num_validation=500, seed=1)
    assert torch.bincount(labels[s.labelled], minlength=10).tolist() == [10] * 10


def test_split_is_deterministic_for_a_seed_and_differs_across_seeds():
    labels = _labels()
    a = split_indices(labels, 100, 500, seed=1)
    b = split_indices(labels, 100, 500, seed=1)
    c = split_indices(labels, 100, 500, seed=2)
    assert torch.equal(a.labelled, b.labelled) and torch.equal(a.validation, b.validation)
    assert not torch.equal(a.labelled, c.labelled)


def test_split_with_all_labels_leaves_nothing_unlabelled():
    labels = _labels()
    s = split_indices(labels, None, 500, seed=0)
    assert len(s.unlabelled) == 0 and len(s.labelled) == len(labels) - 500


def test_split_rejects_a_budget_that_cannot_be_balanced():
    with pytest.raises(ValueError, match="multiple of 10"):
        split_indices(_labels(), 105, 500, seed=0)
