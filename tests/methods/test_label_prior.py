from __future__ import annotations

import numpy as np
import pytest

import fmkit
from fmkit.data import LabeledTexts
from fmkit.methods._label_prior import choose_prior_and_c, fit_toward

RNG = np.random.default_rng(0)
PRIOR = RNG.normal(size=(3, 5))
X = RNG.normal(size=(30, 5)).astype(np.float32)
Y = np.repeat(np.arange(3), 10)


def test_strong_regularisation_keeps_the_prior() -> None:
    weight, _ = fit_toward(X, Y, PRIOR, c=1e-6)
    np.testing.assert_allclose(weight, PRIOR, atol=1e-3)


def test_weak_regularisation_fits_the_labels() -> None:
    x = (np.eye(3)[Y] * 3 + RNG.normal(scale=0.1, size=(30, 3))).astype(np.float32)
    prior = -np.eye(3)  # says the opposite of the labels
    weight, bias = fit_toward(x, Y, prior, c=100.0)
    assert ((x @ weight.T + bias).argmax(axis=1) == Y).all()


def test_solution_is_a_stationary_point_of_the_objective() -> None:
    """A wrong analytic gradient would make L-BFGS stop where the true gradient is not zero."""
    onehot = np.eye(3)[Y]

    def loss(theta: np.ndarray) -> float:
        delta, bias = theta[:15].reshape(3, 5), theta[15:]
        z = X @ (PRIOR + delta).T + bias
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-(log_p * onehot).sum() + (delta**2).sum() / 2)

    weight, bias = fit_toward(X, Y, PRIOR, c=1.0)
    theta = np.concatenate([(weight - PRIOR).ravel(), bias])
    numeric = np.zeros_like(theta)
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        step[i] = 1e-6
        numeric[i] = (loss(theta + step) - loss(theta - step)) / 2e-6
    assert np.abs(numeric).max() < 1e-2


def test_cross_validation_keeps_a_prior_that_helps_and_drops_one_that_misleads() -> None:
    y = np.repeat(np.arange(3), 4)  # 4 examples per class in 20 dimensions: too few to learn alone
    means = np.zeros((3, 20))
    means[:, :3] = 1.5 * np.eye(3)
    x = (means[y] + RNG.normal(size=(12, 20))).astype(np.float32)
    right, wrong = means, -means  # the Bayes-optimal head (equal-norm means), and its opposite
    grid = (0.01, 0.1, 1.0, 10.0)
    assert choose_prior_and_c(x, y, right, grid, seed=0)[0] is True
    assert choose_prior_and_c(x, y, wrong, grid, seed=0)[0] is False
    # without competition (tuned embeddings) the prior stays and only C is chosen
    assert choose_prior_and_c(x, y, wrong, grid, seed=0, compete=False)[0] is True
    # too few examples to cross-validate: the prior with the weakest pull
    assert choose_prior_and_c(x[:4], np.array([0, 0, 1, 2]), right, (0.1, 1.0), seed=0) == (True, 1.0)


@pytest.mark.parametrize(("labels", "offered"), [(("billing", "shipping"), True), (("0", "1"), False)])
def test_probe_offers_the_prior_only_for_named_labels(labels: tuple[str, str], offered: bool) -> None:
    texts = ["my card was charged twice", "refund my payment", "invoice is wrong", "bill too high"]
    texts += ["where is my parcel", "package not delivered", "tracking number missing", "courier lost it"]
    data = LabeledTexts.of(texts, [labels[0]] * 4 + [labels[1]] * 4)
    model = fmkit.adapt(data, method="linear-probe")
    assert model.manifest["fit_info"]["label_prior"] in ((True, False) if offered else (False,))
    assert model.predict(["charged twice on my card"]) == [labels[0]]


def test_names_that_do_not_predict_the_labels_give_no_prior() -> None:
    from fmkit.catalog import Catalog, resolve
    from fmkit.methods._label_prior import label_prior
    from fmkit.methods.encoder_head import EncoderClassifier

    billing = ["my card was charged twice", "refund my payment", "invoice is wrong", "bill too high"]
    shipping = ["where is my parcel", "package not delivered", "tracking number missing", "courier lost it"]
    texts = billing + shipping
    classifier = EncoderClassifier.from_encoder(resolve(Catalog().get("minilm-l6")), ["billing", "shipping"])
    x = classifier.embed(texts)
    right = np.array([0] * 4 + [1] * 4)
    assert label_prior(classifier, ["billing", "shipping"], x, right) is not None
    assert label_prior(classifier, ["billing", "shipping"], x, 1 - right) is None  # names swapped: they mislead


def test_names_right_by_chance_on_few_labels_give_no_prior() -> None:
    """11 of 16 right on two balanced classes happens by chance one time in ten: the exact test says no."""
    from fmkit.catalog import Catalog, resolve
    from fmkit.methods._label_prior import label_prior
    from fmkit.methods.encoder_head import EncoderClassifier

    billing = ["my card was charged twice", "refund my payment", "invoice is wrong", "bill too high",
               "billing error on my account", "I was billed for nothing", "wrong amount on the bill",
               "billing department overcharged me"]  # fmt: skip
    shipping = ["where is my parcel", "package not delivered", "tracking number missing", "courier lost it",
                "shipping takes forever", "my shipment never arrived", "shipping address was wrong",
                "the delivery van never came"]  # fmt: skip
    classifier = EncoderClassifier.from_encoder(resolve(Catalog().get("minilm-l6")), ["billing", "shipping"])
    x = classifier.embed(billing + shipping)
    right = np.array([0] * 8 + [1] * 8)
    assert (x @ classifier.embed(["billing", "shipping"]).T).argmax(axis=1).tolist() == right.tolist()
    two_wrong = right.copy()
    two_wrong[[0, 8]] = 1 - two_wrong[[0, 8]]  # 14 of 16 right: p = 0.002
    assert label_prior(classifier, ["billing", "shipping"], x, two_wrong) is not None
    five_wrong = right.copy()
    five_wrong[[0, 1, 8, 9, 10]] = 1 - five_wrong[[0, 1, 8, 9, 10]]  # 11 of 16 right: p = 0.1
    assert label_prior(classifier, ["billing", "shipping"], x, five_wrong) is None
