from django import forms

from ..models import ConnectorKind


class ConnectorForm(forms.Form):
    kind = forms.ChoiceField(choices=ConnectorKind.choices, initial=ConnectorKind.JIRA)
    base_url = forms.CharField(max_length=300, required=False, label="Base URL",
                               help_text="Jira: your site, e.g. https://example.atlassian.net. GitHub: leave empty "
                                         "for github.com, or https://HOST/api/v3 for GitHub Enterprise.")
    project_key = forms.CharField(max_length=40, required=False, help_text="Jira only, e.g. SEC.")
    repository = forms.CharField(max_length=200, required=False, help_text="GitHub only: owner/name.")
    username = forms.CharField(max_length=200, required=False, label="Account e-mail",
                               help_text="Jira only: the e-mail address of the token's account.")
    token = forms.CharField(max_length=500, widget=forms.PasswordInput(render_value=False),
                            help_text="Stored encrypted; never shown again.")
    webhook_secret = forms.CharField(max_length=500, required=False, widget=forms.PasswordInput(render_value=False),
                                     help_text="Optional: the secret you give the tracker's webhook.")
    sync_accepted_risks = forms.BooleanField(required=False, label="Accepted risks become tickets too")


class TokenReplaceForm(forms.Form):
    token = forms.CharField(max_length=500, widget=forms.PasswordInput(render_value=False), label="New token")
