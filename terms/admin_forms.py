"""What the admin's forms share: no lost edits."""

from django import forms


class OpenedVersionForm(forms.ModelForm):
    """A form carrying the version its object had when the editor opened it; saving over a
    newer version is refused with the editor's input kept. Subclasses say what is newer in
    `newer_version(opened)`: None, or (the newer object, its version, the message)."""

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    conflict = None  # the newer object, when saving was refused

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["opened_version"].initial = self.instance.version

    def newer_version(self, opened):
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        opened = cleaned.get("opened_version")
        if self.instance.pk is None or opened is None:
            return cleaned
        newer = self.newer_version(opened)
        if newer is not None:
            self.conflict, version, message = newer
            # Shown again, the form carries the newer version: saving once more, having read
            # the differences, replaces it deliberately.
            self.data = self.data.copy()
            self.data[self.add_prefix("opened_version")] = version
            raise forms.ValidationError(message, code="stale_version")
        return cleaned
