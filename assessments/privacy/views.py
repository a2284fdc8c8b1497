"""Privacy assessment pages: the assessment with its DPIA screening, the form, the DPO sign-off."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from threatmodel import selectors as tm_selectors
from threatmodel.exceptions import VersionConflict
from threatmodel.models import Role

from . import services, vocab
from .forms import PrivacyForm
from .schema import FIELD_LABELS
from .selectors import dpos_of, is_dpo, personal_data_flows, privacy_risks, privacy_state


def _answers_by_field(state) -> dict:
    """{name: Answer} with DPIA criteria as criterion_<key>, for the templates."""
    out = {}
    for path, answer in state.resolved.answers.items():
        name, _, key = path.partition(".")
        out[f"criterion_{key}" if key else name] = answer
    return out


@login_required
@require_http_methods(["GET"])
def privacy_detail(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    state = privacy_state(system)
    inferred = [{"path": p, "label": FIELD_LABELS.get(p.split(".")[0]) if "." not in p else
                 f"DPIA criterion: {vocab.label_of(vocab.EDPB_CRITERIA, p.split('.', 1)[1])}",
                 "because": state.resolved.answers[p].because} for p in state.resolved.inferred_paths()]
    return render(request, "privacy/detail.html", {
        "system": system, "state": state, "screening": state.screening, "inferred": inferred,
        "risks": privacy_risks(system), "flows": personal_data_flows(system),
        "can_edit": tm_selectors.user_can(request.user, system.team, Role.CONTRIBUTOR),
        "is_dpo": is_dpo(request.user, system.team), "dpos": dpos_of(system.team),
        "title": f"Privacy of {system.name}"})


@login_required
@require_POST
def privacy_dpo_advice(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    try:
        services.privacy_dpo_advice(actor=request.user, system=system, advice=request.POST.get("dpo_advice", ""),
                                    expected_version=request.POST.get("version") or None)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except VersionConflict as exc:
        messages.error(request, f"{exc}. Review the current assessment and advise again.")
    else:
        messages.success(request, "The DPO's advice is recorded.")
    return redirect("privacy_detail", pk=system.pk)


@login_required
@require_http_methods(["GET", "POST"])
def privacy_edit(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    if not tm_selectors.user_can(request.user, system.team, Role.CONTRIBUTOR):
        raise PermissionDenied("You need the contributor role in this team.")
    state = privacy_state(system)
    form = PrivacyForm(request.POST if request.method == "POST" else None, values=state.values, version=state.version)
    if request.method == "POST" and form.is_valid():
        try:
            services.privacy_assessment_save(actor=request.user, system=system, values=form.values(),
                                             confirm=form.cleaned_data["confirm"],
                                             expected_version=form.cleaned_data["version"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        except VersionConflict as exc:
            form.add_error(None, f"{exc}. Reload the page to see the current answers; your input is shown below.")
        else:
            messages.success(request, "Privacy assessment saved.")
            return redirect("privacy_detail", pk=system.pk)
    answers = _answers_by_field(state)
    return render(request, "privacy/form.html", {
        "system": system, "form": form, "state": state, "answers": answers,
        "erasure_rows": form.erasure_rows(), "criteria_rows": form.criteria_rows(answers),
        "title": f"Privacy assessment of {system.name}"})


@login_required
@require_POST
def privacy_sign_off(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    try:
        followed = {"yes": True, "no": False}.get(request.POST.get("dpo_advice_followed", ""))
        services.privacy_sign_off(actor=request.user, system=system, comment=request.POST.get("comment", ""),
                                  measures_approved_by=request.POST.get("measures_approved_by", ""),
                                  residual_approved_by=request.POST.get("residual_approved_by", ""),
                                  dpo_advice_followed=followed,
                                  dpo_overruled_reason=request.POST.get("dpo_overruled_reason", ""),
                                  review_date=request.POST.get("review_date", ""),
                                  expected_version=request.POST.get("version") or None)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except VersionConflict as exc:
        messages.error(request, f"{exc}. Review the current assessment and sign again.")
    else:
        messages.success(request, "Privacy assessment signed off.")
    return redirect("privacy_detail", pk=system.pk)
