"""The shipped real data (checksummed on every read) and the forecasting helpers."""
import numpy as np
import pytest

from lstm_np import datasets


def test_airline_passengers_are_box_and_jenkins_series_g():
    values, months = datasets.load_airline_passengers(return_months=True)
    assert values.shape == (144,) and values.sum() == 40363
    assert values[:3].tolist() == [112, 118, 132] and values[-1] == 432 and values.max() == 622
    assert months[0] == "1949-01" and months[-1] == "1960-12"


def test_sunspots_and_text_load_with_their_checksums():
    spots, months = datasets.load_sunspots(return_months=True)
    assert spots.shape == (2820,) and months[0] == "1749-01" and months[-1] == "1983-12"
    assert spots[:3].tolist() == [58.0, 62.6, 70.0] and round(spots.sum(), 1) == 144570.0
    text = datasets.load_text("hamlet")
    assert len(text) == 173942 and text.startswith("HAMLET, PRINCE OF DENMARK")
    with pytest.raises(ValueError, match="shipped"):
        datasets.load_text("ulysses")


def test_a_damaged_data_file_is_reported(tmp_path, monkeypatch):
    import shutil
    from lstm_np.datasets import real
    shutil.copytree(real.DATA, tmp_path / "data")
    (tmp_path / "data" / "airline_passengers.csv").write_text("month,passengers\n1949-01,1\n")
    monkeypatch.setattr(real, "DATA", str(tmp_path / "data"))
    with pytest.raises(OSError, match="damaged"):
        datasets.load_airline_passengers()


def test_windows_follow_timeseries_dataset_from_array():
    series = np.arange(20.0)
    X, y = datasets.timeseries_windows(series, lookback=4, horizon=2, stride=3)
    assert X.shape == (5, 4, 1) and y.shape == (5, 2)
    np.testing.assert_array_equal(X[1, :, 0], [3, 4, 5, 6])
    np.testing.assert_array_equal(y[1], [7, 8])
    X, y = datasets.timeseries_windows(series, lookback=3, sampling_rate=2)
    np.testing.assert_array_equal(X[0, :, 0], [0, 2, 4]) and np.testing.assert_array_equal(y[0], [6])
    with pytest.raises(ValueError, match="no window"):
        datasets.timeseries_windows(np.arange(3.0), lookback=3)


def test_scaler_round_trips_and_split_keeps_time_order():
    train, test = datasets.split_by_time(np.arange(10), test_fraction=0.3)
    assert train.tolist() == list(range(7)) and test.tolist() == [7, 8, 9]
    scaler = datasets.MinMaxScaler().fit(train)
    np.testing.assert_allclose(scaler.transform([0, 6]), [0, 1])
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(test)), test)
    with pytest.raises(ValueError, match="fit"):
        datasets.MinMaxScaler().transform([1.0])
