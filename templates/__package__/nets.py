"""The networks an experiment can choose by name, their data, and saving them.

A network predicts from the raw feature table: the feature and target scaling
learnt from the training rows lives in the model's buffers, so the saved model
applies it to new data by itself (as the scikit-learn pipeline's scaler does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import Dataset

from .config import ConfigError, PipelineError


class TabularDataset(Dataset):
    """Feature rows and target values as float32 tensors, one (x, y) pair per row."""

    def __init__(self, features: pd.DataFrame, target: pd.Series | None = None) -> None:
        self.features = torch.as_tensor(features.to_numpy(dtype=np.float32))
        values = np.zeros(len(features)) if target is None else target.to_numpy()
        self.target = torch.as_tensor(values.astype(np.float32)).unsqueeze(1)

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[index], self.target[index]


def linear(n_features: int) -> nn.Module:
    """One linear layer: a regression fitted by gradient descent."""
    return nn.Linear(n_features, 1)


def mlp(n_features: int, hidden: Sequence[int] = (64, 32), dropout: float = 0.1) -> nn.Module:
    """A multilayer perceptron: Linear, ReLU and dropout per hidden layer."""
    layers: list[nn.Module] = []
    width = n_features
    for units in hidden:
        layers += [nn.Linear(width, int(units)), nn.ReLU(), nn.Dropout(float(dropout))]
        width = int(units)
    return nn.Sequential(*layers, nn.Linear(width, 1))


# model.type -> network factory; model.params are passed to it as keyword arguments.
NETWORKS = {"linear": linear, "mlp": mlp}


class Regressor(nn.Module):
    """A network between the scaling of its inputs and of its output.

    ``forward`` works on the standardized target (the loss the training
    minimizes); ``predict`` returns values in the target's own unit.
    """

    x_mean: torch.Tensor
    x_std: torch.Tensor
    y_mean: torch.Tensor
    y_std: torch.Tensor

    def __init__(self, body: nn.Module, n_features: int) -> None:
        super().__init__()
        self.body = body
        self.register_buffer("x_mean", torch.zeros(n_features))
        self.register_buffer("x_std", torch.ones(n_features))
        self.register_buffer("y_mean", torch.zeros(1))
        self.register_buffer("y_std", torch.ones(1))

    def fit_scaling(self, features: torch.Tensor, target: torch.Tensor) -> None:
        """Learns the scaling from the training rows (a constant column keeps scale 1)."""
        for prefix, values in (("x", features), ("y", target)):
            std = values.std(dim=0)
            getattr(self, f"{prefix}_mean").copy_(values.mean(dim=0))
            getattr(self, f"{prefix}_std").copy_(torch.where(std > 0, std, torch.ones_like(std)))

    def scale_target(self, target: torch.Tensor) -> torch.Tensor:
        return (target - self.y_mean) / self.y_std

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.body((features - self.x_mean) / self.x_std)

    def predict(self, features: torch.Tensor) -> torch.Tensor:
        return self.forward(features) * self.y_std + self.y_mean


def build(settings: Mapping[str, Any], n_features: int) -> Regressor:
    """An untrained network from the ``model`` section."""
    kind = settings["type"]
    if kind not in NETWORKS:
        raise ConfigError(f"model.type {kind!r} is not one of: {', '.join(sorted(NETWORKS))}")
    try:
        body = NETWORKS[kind](n_features, **(settings.get("params") or {}))
    except TypeError as error:
        raise ConfigError(f"model.params do not fit {kind}: {error}") from None
    return Regressor(body, n_features)


def save(model: Regressor, config: Mapping[str, Any], columns: Sequence[str], path: Path) -> Path:
    """Writes the weights with what rebuilds them: the merged config and the feature columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save({"model": state, "config": dict(config), "columns": list(columns)}, path)
    return path


# torch 2.x loads these files with ``weights_only``: tensors and plain values,
# never code. The restricted loader of 1.x cannot read floats (the config, the
# optimizer state), so there a file is trusted as this project's own.
WEIGHTS_ONLY = int(torch.__version__.split(".", 1)[0]) >= 2


def read(path: Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    """A file written by ``save`` or a checkpoint, its tensors moved to ``device``.

    ``map_location`` lets a model trained on a GPU load on a CPU or a Mac.
    """
    if not path.is_file():
        raise PipelineError(f"{path} not found: run train with this experiment first")
    return torch.load(path, map_location=device, weights_only=WEIGHTS_ONLY)


@dataclass(frozen=True)
class Trained:
    """A trained network on its device, predicting from a feature table."""

    model: Regressor
    columns: list[str]
    device: torch.device

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Predictions for every row, in the target's unit."""
        missing = [c for c in self.columns if c not in features.columns]
        if missing:
            raise ConfigError(f"The model needs the columns {', '.join(missing)}, missing here")
        rows = features[self.columns].to_numpy(dtype=np.float32)
        with torch.no_grad():
            predicted = self.model.predict(torch.as_tensor(rows, device=self.device))
        return predicted.squeeze(1).float().cpu().numpy()


def load(path: Path, device: torch.device | None = None) -> Trained:
    """The model written by ``save``, on ``device`` (default: the CPU), ready to predict."""
    device = device or torch.device("cpu")
    saved = read(path, device)
    model = build(saved["config"]["model"], len(saved["columns"]))
    model.load_state_dict(saved["model"])
    return Trained(model.to(device).eval(), saved["columns"], device)
