"""Drive&Act (and generic) annotations: records, discovery, class vocabulary, video resolution."""

from cabinlens.engine.data.annotations import AnnotationError, Annotations, read_annotations
from cabinlens.engine.data.layout import AnnotationFile, DatasetIndex, discover
from cabinlens.engine.data.records import Segment
from cabinlens.engine.data.vocabulary import ClassVocabulary, DRIVEACT_MIDLEVEL_CLASSES

__all__ = [
    "AnnotationError",
    "AnnotationFile",
    "Annotations",
    "ClassVocabulary",
    "DRIVEACT_MIDLEVEL_CLASSES",
    "DatasetIndex",
    "Segment",
    "discover",
    "read_annotations",
]
