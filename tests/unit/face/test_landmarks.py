import numpy as np

from threadlift.face import landmarks as lm


def test_mirror_map_pairs_known_points_and_is_an_involution():
    m = lm.mirror_map()
    assert (int(m[33]), int(m[133]), int(m[468]), int(m[61]), int(m[105])) == (263, 362, 473, 291, 334)
    assert np.array_equal(m[m], np.arange(lm.N_LANDMARKS))


def test_midline_points_are_their_own_mirror():
    m = lm.mirror_map()
    assert all(int(m[i]) == i for i in lm.MIDLINE)
    assert int((m == np.arange(lm.N_LANDMARKS)).sum()) == len(lm.MIDLINE)


def test_patient_right_iris_has_negative_x_in_the_canonical_face():
    face = lm.canonical_face_cm()
    assert face[lm.IRIS_CENTRE_RIGHT, 0] < 0 < face[lm.IRIS_CENTRE_LEFT, 0]


def test_left_side_sets_lie_on_the_patients_left():
    face = lm.canonical_face_cm()
    for indices in (lm.UPPER_BROW_LEFT, lm.UPPER_LID_LEFT[:-1], lm.MALAR_LEFT, lm.RAMUS_LEFT, lm.MANDIBULAR_BODY_LEFT):
        assert (face[list(indices), 0] > 0).all(), indices
