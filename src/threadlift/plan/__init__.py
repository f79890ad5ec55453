"""Treatment plans and marking maps in the face frame (mm; x toward the patient's left, y down)."""
