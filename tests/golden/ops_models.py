"""Models written only with ``keras.layers.Layer``, ``add_weight`` and ``keras.ops`` — a custom
layer, a custom cell in ``RNN``, a custom loss and an op on a functional model's tensors — built
by the same code on Keras 3 (``make_keras_ops_golden.py``) and on lstm_np (``test_keras_ops_golden.py``).
``keras`` is either package; nothing here is written for one of them."""
import numpy as np


def classes(keras):
    ops = keras.ops

    class GatedDense(keras.layers.Layer):
        """y = tanh(x W + b) ⊙ σ(g): a dense layer with a learned gate per unit."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform",
                                          name="kernel")
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
            self.gate = self.add_weight(shape=(self.units,), initializer="ones", name="gate")

        def call(self, inputs):
            return ops.tanh(ops.matmul(inputs, self.kernel) + self.bias) * ops.sigmoid(self.gate)

    class MinimalRNNCell(keras.layers.Layer):
        """Keras's documentation cell, with a bias and a tanh: h_t = tanh(x_t W + h_{t-1} U + b)."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform",
                                          name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="orthogonal",
                                                    name="recurrent_kernel")
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

        def call(self, inputs, states):
            prev = states[0]
            h = ops.tanh(ops.matmul(inputs, self.kernel) + ops.matmul(prev, self.recurrent_kernel) + self.bias)
            return h, [h]

    return GatedDense, MinimalRNNCell


def loss_fn(keras):
    ops = keras.ops

    def my_loss(y_true, y_pred):
        d = y_pred - y_true
        return ops.mean(ops.square(d) + 0.1 * ops.abs(d), axis=-1)
    return my_loss


def build(keras, seed=0):
    """Input (6, 3) -> RNN(MinimalRNNCell(5), return_sequences) -> ops.mean over time * 2 + last
    step -> GatedDense(4) -> Dense(2); weights from a seeded NumPy generator."""
    ops = keras.ops
    GatedDense, MinimalRNNCell = classes(keras)
    x = keras.Input((6, 3))
    h = keras.layers.RNN(MinimalRNNCell(5), return_sequences=True)(x)
    pooled = ops.mean(h, axis=1) * 2.0 + h[:, -1]
    y = keras.layers.Dense(2)(GatedDense(4)(pooled))
    model = keras.Model(x, y)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    return model


def data(seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((16, 6, 3)).astype("float32"), rng.standard_normal((16, 2)).astype("float32")


def train(keras, epochs=6):
    """SGD with momentum, batches of 4 in order: the loss per epoch and the final weights."""
    model = build(keras)
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss=loss_fn(keras))
    x, y = data()
    history = model.fit(x, y, batch_size=4, epochs=epochs, shuffle=False, verbose=0)
    return model, np.array(history.history["loss"]), model.get_weights()
