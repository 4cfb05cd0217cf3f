"""Keras 2's model methods, removed in Keras 3, that classic scripts still call. Each is the
Keras 3 call it stood for; ``compat/keras2/__init__.py`` adds them to the model classes.
The queue / worker options are accepted and unused: batches are read in this process."""


def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                  validation_data=None, validation_steps=None, class_weight=None, max_queue_size=10,
                  workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0, validation_freq=1):
    """Keras 2: ``fit`` on a generator / PyDataset (``steps_per_epoch`` batches an epoch)."""
    return self.fit(generator, epochs=epochs, verbose=verbose, callbacks=callbacks,
                    validation_data=validation_data, shuffle=shuffle, class_weight=class_weight,
                    initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
                    validation_steps=validation_steps, validation_freq=validation_freq)


def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                       use_multiprocessing=False, verbose=0):
    """Keras 2: ``evaluate`` on a generator / PyDataset."""
    return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)


def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, verbose=0):
    """Keras 2: ``predict`` on a generator / PyDataset."""
    return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)


def predict_classes(self, x, batch_size=None, verbose=0):
    """Keras 2's ``Sequential.predict_classes``: argmax over classes, or (p > 0.5) for a single
    sigmoid unit."""
    proba = self.predict(x, batch_size=batch_size, verbose=verbose)
    if proba.shape[-1] > 1:
        return proba.argmax(axis=-1)
    return (proba > 0.5).astype("int32")


def predict_proba(self, x, batch_size=None, verbose=0):
    """Keras 2's ``Sequential.predict_proba``: ``predict``."""
    return self.predict(x, batch_size=batch_size, verbose=verbose)


METHODS = {f.__name__: f for f in (fit_generator, evaluate_generator, predict_generator,
                                   predict_classes, predict_proba)}
