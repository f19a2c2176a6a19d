"""Sanity checks of explanations for video models: is a map worth showing?

- ``randomisation``: cascading model-parameter randomisation (Adebayo et al. 2018); maps of a
  method that explains the model must decorrelate as its layers are re-initialised from the top.
- ``temporal``: reversing time must turn a class into its time-reversed partner
  (opening/closing, fastening/unfastening, entering/exiting) and the per-time maps must follow.
- ``faithfulness``: deletion and insertion curves in space-time (Petsiuk et al. 2018) for the
  map's top voxels, random blocks, the evidence boxes and randomly moved boxes.
- ``similarity``: Spearman rank correlation and SSIM of batches of maps, on their device.

Each check takes a model, its spec and normalised clips on the model's device and returns plain
dataclasses of numpy arrays; ``engine.analysis.sanity`` picks the clips and writes the report.
"""
