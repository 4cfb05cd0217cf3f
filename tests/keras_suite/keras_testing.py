"""What Keras 3's own layer tests import, for lstm_np: ``testing.TestCase`` with
``run_layer_test`` and Keras's assertions, and absl's ``parameterized`` on pytest.

``run_layer_test`` checks what ``keras/src/testing/test_case.py`` (Keras 3.16) checks, in the
same order: the counts it is not given are read off a first eager call; the config
round-trips; ``supports_masking``; after ``build(input_shape)`` the layer is built with the
expected trainable / non-trainable weights and non-trainable variables; a symbolic call and an
eager call give the expected output shapes (and values); the eager call's ``layer.losses``
has the expected length; one training step runs (Keras: ``fit`` on a sum loss, here the same
through a model's ``fit``). Left out, with their reason: sparse and ragged inputs, the mixed
precision check and TPU tolerances (no such backends here), seed-generator counts (lstm_np
draws dropout masks from the layer's ``np.random.Generator``, which is no variable).
"""
import numpy as np
import pytest

from lstm_np import losses, models
from lstm_np.layers import Input


def tensorflow_uses_gpu():
    return False


def jax_uses_gpu():
    return False


def torch_uses_gpu():
    return False


class parameterized:
    """absl's ``parameterized.parameters`` / ``named_parameters`` on pytest: each case (a dict of
    keyword arguments, a tuple of positional ones, or one value) becomes one pytest case."""

    @staticmethod
    def _cases(fn, cases, ids=None):
        import functools

        @functools.wraps(fn)
        def run(self, _keras_case):
            if isinstance(_keras_case, dict):
                return fn(self, **_keras_case)
            if isinstance(_keras_case, tuple):
                return fn(self, *_keras_case)
            return fn(self, _keras_case)
        import inspect
        run.__signature__ = inspect.Signature([inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                                               inspect.Parameter("_keras_case", inspect.Parameter.POSITIONAL_OR_KEYWORD)])
        return pytest.mark.parametrize("_keras_case", list(cases), ids=ids)(run)

    @staticmethod
    def parameters(*cases):
        if len(cases) == 1 and isinstance(cases[0], (list, tuple)) and not isinstance(cases[0], str):
            cases = cases[0]
        return lambda fn: parameterized._cases(fn, cases)

    @staticmethod
    def named_parameters(*cases):
        if len(cases) == 1 and isinstance(cases[0], (list, tuple)) and cases[0] and \
                isinstance(cases[0][0], (dict, tuple)):
            cases = cases[0]
        if isinstance(cases[0], dict):
            ids = [c.get("testcase_name", str(i)) for i, c in enumerate(cases)]
            cases = [{k: v for k, v in c.items() if k != "testcase_name"} for c in cases]
        else:
            ids, cases = [c[0] for c in cases], [tuple(c[1:]) for c in cases]
        return lambda fn: parameterized._cases(fn, cases, ids)


def _make_inputs(shape, dtype, rng):
    """Keras's create_eager_tensors: random values of each shape (a list of shapes: a list)."""
    if isinstance(shape, list) or (isinstance(shape, tuple) and shape and isinstance(shape[0], (tuple, list))):
        dtypes = dtype if isinstance(dtype, (list, tuple)) else [dtype] * len(shape)
        return [_make_inputs(tuple(s), d, rng) for s, d in zip(shape, dtypes)]
    dtype = dtype or "float32"
    if "float" in str(dtype):
        return rng.random(shape).astype(dtype)
    return rng.integers(0, 3, shape).astype(dtype)


def _shapes(out):
    return [o.shape for o in out] if isinstance(out, (list, tuple)) else out.shape


def _shape_matches(expected, got):
    return len(expected) == len(got) and all(e is None or e == g for e, g in zip(expected, got))


class _SumLoss(losses.Loss):
    """Keras's training check loss: Σ y_pred (its gradient: ones)."""

    def check_target_shape(self, y_shape, pred_shape):
        pass

    def per_sample(self, y_true, y_pred):
        return y_pred.sum(-1), np.ones_like(y_pred)


class TestCase:
    """Keras's ``testing.TestCase``: its assertions and ``run_layer_test``."""

    # -- assertions ---------------------------------------------------------------------------
    def assertAllClose(self, x1, x2, atol=1e-6, rtol=1e-6, tpu_atol=None, tpu_rtol=None, msg=None):
        np.testing.assert_allclose(np.asarray(x1), np.asarray(x2), atol=atol, rtol=rtol, err_msg=msg or "")

    def assertNotAllClose(self, x1, x2, atol=1e-6, rtol=1e-6, msg=None):
        assert not np.allclose(np.asarray(x1), np.asarray(x2), atol=atol, rtol=rtol), msg

    def assertAllEqual(self, x1, x2, msg=None):
        np.testing.assert_array_equal(np.asarray(x1), np.asarray(x2), err_msg=msg or "")

    def assertEqual(self, a, b, msg=None):
        assert a == b, msg or f"{a!r} != {b!r}"

    def assertNotEqual(self, a, b, msg=None):
        assert a != b, msg

    def assertLen(self, container, n, msg=None):
        assert len(container) == n, msg or f"expected length {n}, received {len(container)}"

    def assertTrue(self, value, msg=None):
        assert value, msg

    def assertFalse(self, value, msg=None):
        assert not value, msg

    def assertIsNone(self, value, msg=None):
        assert value is None, msg

    def assertIsNotNone(self, value, msg=None):
        assert value is not None, msg

    def assertNotIsInstance(self, obj, cls, msg=None):
        assert not isinstance(obj, cls), msg

    def assertIsInstance(self, obj, cls, msg=None):
        assert isinstance(obj, cls), msg or f"{type(obj).__name__} is not {cls}"

    def assertIn(self, a, b, msg=None):
        assert a in b, msg

    def assertRaises(self, exc, *args, **kwargs):
        if args:
            with pytest.raises(exc):
                args[0](*args[1:], **kwargs)
            return None
        return pytest.raises(exc)

    def assertRaisesRegex(self, exc, regex, *args, **kwargs):
        if args:
            with pytest.raises(exc, match=regex):
                args[0](*args[1:], **kwargs)
            return None
        return pytest.raises(exc, match=regex)

    def skipTest(self, reason):
        pytest.skip(reason)

    # -- the layer test -----------------------------------------------------------------------
    def run_class_serialization_test(self, instance, custom_objects=None):
        config = instance.get_config()
        again = type(instance).from_config(config)
        assert again.get_config() == config, "the config does not round-trip"

    def run_layer_test(self, layer_cls, init_kwargs, input_shape=None, input_dtype=None, input_sparse=False,
                       input_ragged=False, input_data=None, call_kwargs=None, expected_output_shape=None,
                       expected_output_dtype=None, expected_output_sparse=False, expected_output_ragged=False,
                       expected_output=None, expected_num_trainable_weights=None,
                       expected_num_non_trainable_weights=None, expected_num_non_trainable_variables=None,
                       expected_num_seed_generators=None, expected_num_losses=None, supports_masking=None,
                       expected_mask_shape=None, custom_objects=None, run_training_check=True,
                       run_mixed_precision_check=True, assert_built_after_instantiation=False,
                       tpu_atol=None, tpu_rtol=None):
        init_kwargs, call_kwargs = init_kwargs or {}, call_kwargs or {}
        rng = np.random.default_rng(0)
        if input_data is None and input_shape is not None:
            input_data = _make_inputs(input_shape, input_dtype, rng)
        if input_data is not None:
            layer = layer_cls(**init_kwargs)
            layer(input_data, **call_kwargs)
            if expected_num_trainable_weights is None:
                expected_num_trainable_weights = len(layer.trainable_weights)
            if expected_num_non_trainable_weights is None:
                expected_num_non_trainable_weights = len(layer.non_trainable_weights)
        layer = layer_cls(**init_kwargs)
        self.run_class_serialization_test(layer, custom_objects)
        if supports_masking is not None:
            self.assertEqual(layer.supports_masking, supports_masking, "Unexpected supports_masking value")

        def build_asserts(layer):
            self.assertTrue(layer.built)
            self.assertLen(layer.trainable_weights, expected_num_trainable_weights,
                           "Unexpected number of trainable_weights")
            self.assertLen(layer.non_trainable_weights, expected_num_non_trainable_weights,
                           "Unexpected number of non_trainable_weights")
            if expected_num_non_trainable_variables is not None:
                self.assertLen(layer.non_trainable_variables, expected_num_non_trainable_variables,
                               "Unexpected number of non_trainable_variables")

        def output_asserts(layer, output, eager):
            if expected_output_shape is not None:
                expected = expected_output_shape
                shapes = _shapes(output)
                if isinstance(shapes, list):
                    assert all(_shape_matches(e, g) for e, g in zip(expected, shapes)), (expected, shapes)
                else:
                    assert _shape_matches(expected, shapes), f"Expected output shape {expected}, received {shapes}"
            if eager and expected_output is not None:
                for ref, got in zip(np.atleast_1d(expected_output), np.atleast_1d(output)):
                    self.assertAllClose(ref, got, msg="Unexpected output value")
            if eager and expected_num_losses is not None:
                self.assertLen(layer.losses, expected_num_losses)

        if input_data is None:
            return
        multi = isinstance(input_data, (list, tuple))
        shape = [tuple(np.shape(a)) for a in input_data] if multi else tuple(np.shape(input_data))
        layer = layer_cls(**init_kwargs)
        layer.build(shape)
        build_asserts(layer)
        layer = layer_cls(**init_kwargs)
        if multi:
            symbolic = [Input(batch_shape=s, dtype=str(np.asarray(a).dtype)) for s, a in zip(shape, input_data)]
        else:
            symbolic = Input(batch_shape=shape, dtype=str(np.asarray(input_data).dtype))
        out = layer(symbolic, **call_kwargs)
        build_asserts(layer)
        output_asserts(layer, out, eager=False)
        if expected_mask_shape is not None:
            self.assertEqual(expected_mask_shape, tuple(layer.compute_mask(symbolic, None).shape))
        layer = layer_cls(**init_kwargs)
        out = layer(input_data, **call_kwargs)
        build_asserts(layer)
        output_asserts(layer, out, eager=True)
        if run_training_check and layer.trainable_weights:
            self._training_step(layer_cls(**init_kwargs), input_data, out, call_kwargs)

    def _training_step(self, layer, input_data, output, call_kwargs):
        if isinstance(input_data, (list, tuple)):
            x = [Input(batch_shape=tuple(np.shape(a))) for a in input_data]
        else:
            x = Input(batch_shape=tuple(np.shape(input_data)))
        y = layer(x, training=call_kwargs.get("training"))
        model = models.Model(x, y)
        model.compile(optimizer="sgd", loss=_SumLoss())
        targets = [np.zeros_like(o) for o in output] if isinstance(output, (list, tuple)) else np.zeros_like(output)
        model.fit(input_data, targets, batch_size=len(input_data), epochs=1, verbose=0)


class testing:
    """``from keras.src import testing``: ``testing.TestCase`` and the GPU probes."""
    TestCase = TestCase
    tensorflow_uses_gpu = staticmethod(tensorflow_uses_gpu)
    jax_uses_gpu = staticmethod(jax_uses_gpu)
    torch_uses_gpu = staticmethod(torch_uses_gpu)
