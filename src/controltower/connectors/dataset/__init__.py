"""The canonical CSV dataset: the ERP-neutral way in and out (``docs/dataset-format.md``).

``read_dataset`` validates a whole folder and returns a
:class:`~controltower.domain.model.Dataset` or raises :class:`DatasetInvalidError` with
every problem located by file, line and column; ``write_dataset`` writes a dataset back
in the same format.
"""

from controltower.connectors.dataset.problems import DatasetInvalidError, DatasetProblem
from controltower.connectors.dataset.reader import ProgressCallback, ReadResult, read_dataset
from controltower.connectors.dataset.writer import write_dataset

__all__ = [
    "DatasetInvalidError",
    "DatasetProblem",
    "ProgressCallback",
    "ReadResult",
    "read_dataset",
    "write_dataset",
]
