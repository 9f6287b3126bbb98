"""Region (coarse) and finding (fine) chest X-ray classifiers: data, losses, training, metrics, ensembles, Grad-CAM.

Needs the ``train`` extra (torch, torchvision, timm). ``labels``, ``manifest``, ``images`` and ``metrics``
import without torch.
"""
