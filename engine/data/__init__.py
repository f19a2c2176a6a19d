"""Drive&Act (and generic) annotations: records, discovery, class vocabulary, video resolution."""

from engine.data.annotations import AnnotationError, Annotations, read_annotations
from engine.data.layout import AnnotationFile, DatasetIndex, discover
from engine.data.records import Segment
from engine.data.vocabulary import ClassVocabulary, DRIVEACT_MIDLEVEL_CLASSES

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
