import dataclasses

from vae_core.experiments.families import FAMILIES, FAMILY_EPOCHS
from vae_core.models.networks import build_model
from vae_core.store.checkpoints import checkpoint_name, save_model


def test_members_differ_only_in_their_weight():
    for family in FAMILIES.values():
        assert list(family.values) == sorted(family.values) and len(set(family.values)) == len(
            family.values
        )
        configs = [family.configs("mnist", v) for v in family.values]
        for (model, train), value in zip(configs, family.values):
            assert getattr(model, family.field) == value
            assert (
                dataclasses.replace(model, **{family.field: getattr(family.base, family.field)})
                == family.base
            )
            assert train.epochs == FAMILY_EPOCHS and train.dataset == "mnist"
        assert len({train for _, train in configs}) == 1
        assert family.name("fashion-mnist", family.values[0]).startswith("fashion-mnist-")


def test_a_member_is_found_once_stored(isolated_store):
    family = FAMILIES["beta"]
    assert family.stored_name("fashion-mnist", 2.0) is None  # only the MNIST families ship
    model_config, train_config = family.configs("fashion-mnist", 2.0)
    path = save_model(build_model(model_config), train_config, isolated_store)
    assert (
        path.name
        == checkpoint_name(model_config, train_config)
        == family.stored_name("fashion-mnist", 2.0)
    )
    assert family.stored_name("fashion-mnist", 4.0) is None


def test_the_mnist_families_ship():
    for family in FAMILIES.values():
        assert all(family.stored_name("mnist", value) for value in family.values)
