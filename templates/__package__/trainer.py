"""The training loop: epochs of mini-batches, validation, early stopping, checkpoints.

The same loop runs in one process or in each of many under torchrun: DDP,
mixed precision and the device are chosen once before the loop starts.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader

from . import checkpoints, data, devices, distributed, nets
from .config import Config
from .distributed import Session
from .tracking import Run

log = logging.getLogger(__name__)


@dataclass
class Trainer:
    """What one optimization step needs, set up once for the device and process group."""

    model: nets.Regressor  # the weights and scaling that are saved
    network: nn.Module  # what the loop calls: the model, in DDP and compiled when asked
    optimizer: torch.optim.Optimizer
    scaler: Any
    device: torch.device
    amp: bool

    def step(self, features: torch.Tensor, target: torch.Tensor) -> float:
        """One optimization step on one batch; the loss on the standardized target."""
        features = features.to(self.device, non_blocking=True)
        target = self.model.scale_target(target.to(self.device, non_blocking=True))
        self.optimizer.zero_grad(set_to_none=True)
        with devices.autocast(self.device.type, self.amp):
            loss = nn.functional.mse_loss(self.network(features), target)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return float(loss.item())

    def validation_loss(self, dataset: nets.TabularDataset) -> float:
        """The loss on held-out rows, without dropout or gradients."""
        self.model.eval()
        with torch.no_grad(), devices.autocast(self.device.type, self.amp):
            predicted = self.model(dataset.features.to(self.device))
            target = self.model.scale_target(dataset.target.to(self.device))
            loss = nn.functional.mse_loss(predicted.float(), target)
        self.model.train()
        return float(loss.item())


def make_trainer(config: Config, train_set: nets.TabularDataset, current: Session) -> Trainer:
    """The model (scaling learnt from ``train_set``), optimizer and precision for ``current``."""
    training, runtime = config.section("training"), config.section("runtime")
    model = nets.build(config.section("model"), train_set.features.shape[1])
    model.fit_scaling(train_set.features, train_set.target)
    model.to(current.device)
    network = devices.maybe_compile(distributed.wrap(model, current), runtime["compile"])
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=training["learning_rate"], weight_decay=training["weight_decay"]
    )
    amp = devices.uses_amp(current.device.type, runtime["mixed_precision"])
    return Trainer(model, network, optimizer, devices.grad_scaler(amp), current.device, amp)


@dataclass
class Outcome:
    """How a training ended: the best epoch, its validation loss, and the epochs run."""

    best_epoch: int
    best_loss: float
    last_epoch: int
    stopped_early: bool


def fit(
    config: Config, frame: pd.DataFrame, current: Session, run: Run, resume: bool = False
) -> tuple[nets.Regressor, Sequence[str], Outcome]:
    """Trains on ``frame`` (the training rows) and returns the model at its best epoch."""
    training, runtime = config.section("training"), config.section("runtime")
    devices.seed_everything(training["seed"], training["deterministic"])
    fit_rows, valid_rows = data.split(frame, training["validation_size"], training["seed"])
    target = config.section("data")["target"]
    train_set = nets.TabularDataset(*data.features_and_target(fit_rows, target))
    valid_set = nets.TabularDataset(*data.features_and_target(valid_rows, target))
    columns = [str(c) for c in fit_rows.columns if c != target]
    trainer = make_trainer(config, train_set, current)
    progress = checkpoints.Progress(patience=training["patience"])
    checkpoint_path = config.path("outputs", "checkpoint")
    if resume:
        progress = checkpoints.restore(checkpoint_path, config, trainer)
        log.info("Resuming after epoch %d of %s", progress.epoch, checkpoint_path)

    sampler = distributed.sampler(train_set, current, training["seed"])
    loader = DataLoader(
        train_set,
        batch_size=training["batch_size"],
        shuffle=sampler is None,
        sampler=sampler,
        num_workers=runtime["num_workers"],
        pin_memory=current.device.type == "cuda",
    )
    log.info(
        "Training %s on %d rows (validation: %d) on %s%s",
        config.section("model")["type"],
        len(train_set),
        len(valid_set),
        current.device,
        f" in each of {current.world_size} processes" if current.distributed else "",
    )
    y_std = float(trainer.model.y_std.item())
    while progress.epoch < training["epochs"] and not progress.exhausted:
        progress.epoch += 1
        # Shuffling and dropout follow from the seed and the epoch alone, so that a
        # resumed training takes exactly the steps the uninterrupted one would have.
        torch.manual_seed(training["seed"] + progress.epoch)
        if sampler is not None:
            sampler.set_epoch(progress.epoch)  # the shuffle of this epoch, in every process
        losses = [trainer.step(x, y) for x, y in loader]
        train_loss = distributed.mean(sum(losses) / max(len(losses), 1), current)
        # Averaged across processes so that every one takes the same early-stopping decision.
        val_loss = distributed.mean(trainer.validation_loss(valid_set), current)
        if progress.record(val_loss):
            progress.best_state = checkpoints.copy_state(trainer.model)
        run.log_metrics(
            {
                "train_loss": train_loss,
                "val_loss": val_loss,
                "val_rmse": math.sqrt(val_loss) * y_std,
            },
            step=progress.epoch,
        )
        if current.is_main:
            checkpoints.save(checkpoint_path, config, columns, trainer, progress)
        log.info(
            "Epoch %d: train loss %.4f, validation loss %.4f%s",
            progress.epoch,
            train_loss,
            val_loss,
            " (best)" if progress.best_epoch == progress.epoch else "",
        )
    if progress.best_state is not None:
        trainer.model.load_state_dict(progress.best_state)
    outcome = Outcome(progress.best_epoch, progress.best_loss, progress.epoch, progress.exhausted)
    if outcome.stopped_early:
        log.info("Stopped early: no better validation loss for %d epochs", progress.patience)
    return trainer.model.eval(), columns, outcome
