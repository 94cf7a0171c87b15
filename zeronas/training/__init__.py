"""Training a found network: NATS-Bench's recipe, exact resume from checkpoints, model.pt in the export format."""

from zeronas.training.trainer import (
    TrainCallbacks,
    TrainConfig,
    TrainData,
    TrainResult,
    augment,
    benchmark_valid_acc_12ep,
    load_data,
    read_checkpoint,
    stratified_split,
    train_network,
)

__all__ = [
    "TrainCallbacks",
    "TrainConfig",
    "TrainData",
    "TrainResult",
    "augment",
    "benchmark_valid_acc_12ep",
    "load_data",
    "read_checkpoint",
    "stratified_split",
    "train_network",
]
