"""``keras.utils``: to_categorical, pad_sequences, get_file, set_random_seed, plot_model, PyDataset,
timeseries_dataset_from_array."""
from ..config import clear_session, set_random_seed
from .datasets import PyDataset, Sequence, timeseries_dataset_from_array
from .diagram import model_diagram, plot_model
from .files import get_file, validate_file
from . import np_utils, vis_utils
from .np_utils import normalize
from .sequences import pad_sequences, to_categorical

__all__ = ["clear_session", "normalize", "np_utils", "vis_utils", "to_categorical", "pad_sequences", "get_file", "validate_file", "set_random_seed", "plot_model",
           "model_diagram", "PyDataset", "Sequence", "timeseries_dataset_from_array"]
