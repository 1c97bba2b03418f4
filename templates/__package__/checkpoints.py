"""Where a training stands, saved after every epoch so that ``train --resume`` continues it.

A checkpoint holds the weights, the optimizer and gradient-scaler state, the
early-stopping counters with the best weights so far, and the merged config
it was made with: resuming with other data, split or model settings is
refused rather than mixing two experiments.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from . import nets
from .config import Config, changed_settings
from .errors import PipelineError

if TYPE_CHECKING:
    from .trainer import Trainer

# Settings that make a different experiment; the training section may change
# on resume (more epochs, more patience).
EXPERIMENT_SECTIONS = ("data", "split", "model")


@dataclass
class Progress:
    """The epochs done and early stopping: the best validation loss and how long since."""

    patience: int
    epoch: int = 0
    best_loss: float = math.inf
    best_epoch: int = 0
    bad_epochs: int = 0
    best_state: dict[str, torch.Tensor] | None = field(default=None, repr=False)

    def record(self, loss: float) -> bool:
        """Counts one epoch's validation loss; True when it is the best so far."""
        if loss < self.best_loss:
            self.best_loss, self.best_epoch, self.bad_epochs = loss, self.epoch, 0
            return True
        self.bad_epochs += 1
        return False

    @property
    def exhausted(self) -> bool:
        """No better validation loss for ``patience`` epochs: training stops."""
        return self.bad_epochs >= self.patience


def copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The model's weights, copied to the CPU so that later steps do not change them."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def save(
    path: Path, config: Config, columns: Sequence[str], trainer: Trainer, progress: Progress
) -> Path:
    """Writes the checkpoint beside the previous one, then replaces it: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    counters = {k: v for k, v in vars(progress).items() if k != "best_state"}
    partial = path.with_name(f".{path.name}.tmp")
    torch.save(
        {
            "model": copy_state(trainer.model),
            "optimizer": trainer.optimizer.state_dict(),
            "scaler": trainer.scaler.state_dict(),
            "progress": counters,
            "best_model": progress.best_state,
            "config": config.values,
            "columns": list(columns),
        },
        partial,
    )
    os.replace(partial, path)
    return path


def restore(path: Path, config: Config, trainer: Trainer) -> Progress:
    """Loads a checkpoint into ``trainer`` and returns where training stood."""
    if not path.is_file():
        raise PipelineError(f"No checkpoint at {path} to resume from: run train without --resume")
    saved: dict[str, Any] = nets.read(path, trainer.device)
    changed = changed_settings(config.values, saved["config"], EXPERIMENT_SECTIONS)
    if changed:
        raise PipelineError(
            f"{path} was made with other settings ({', '.join(changed)}): "
            "resume with the same experiment, or train without --resume"
        )
    trainer.model.load_state_dict(saved["model"])
    trainer.optimizer.load_state_dict(saved["optimizer"])
    if saved["scaler"]:
        trainer.scaler.load_state_dict(saved["scaler"])
    progress = Progress(**saved["progress"])
    progress.patience = config.section("training")["patience"]
    progress.best_state = saved["best_model"]
    return progress
