"""Staff accounts, kept by admins: who may sign in and what they may do."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ..extensions import db
from ..forms.users import NewUserForm, SetPasswordForm, UserForm
from ..models import Role, User
from ..services import users
from . import once, security_log
from .access import require_role
from .auth import live_sign_ins
from .editing import remember_shown, unchanged_since_shown

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.get("")
@require_role(Role.ADMIN)
def index():
    return render_template("users/index.html", people=users.all_users(db.session))


@bp.route("/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
@once.makes_once
def new():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = users.create_user(
                db.session,
                form.email.data,
                form.role.data,
                form.password.data,
                name=(form.name.data or "").strip(),
                active=form.active.data,
            )
        except users.UserError as error:
            form[error.field or "email"].errors.append(str(error))
        else:
            flash(f"Added {user.email}. Give them their first password in person or by phone.", "success")
            return redirect(once.made(url_for(".index")))
    return render_template("users/new.html", form=form), 400 if form.errors else 200


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = _user_form(user)
    if form.validate_on_submit(extra_validators=unchanged_since_shown(form, user, described=users.described)):
        try:
            users.update_user(
                db.session, user, current_user.id, form.name.data, form.role.data, form.active.data
            )
        except users.UserError as error:
            form[error.field or "role"].errors.append(str(error))
        else:
            flash(f"Saved the changes to {user.email}.", "success")
            return redirect(url_for(".edit", user_id=user.id))
    return _edit_page(user, form, SetPasswordForm(formdata=None))


@bp.post("/<int:user_id>/password")
@require_role(Role.ADMIN)
def set_password(user_id: int):
    """A new password for someone who has forgotten theirs: their sessions end, and they sign in with it."""
    user = db.get_or_404(User, user_id)
    password_form = SetPasswordForm()
    if user.id == current_user.id:  # your own, only with your current password (auth.change_password)
        return redirect(url_for("auth.change_password"))
    if password_form.validate_on_submit():
        try:
            users.set_new_password(db.session, user, password_form.password.data)
        except users.UserError as error:
            password_form.password.errors.append(str(error))
        else:
            flash(f"Set a new password for {user.email}. Any session they had open has ended.", "success")
            return redirect(url_for(".edit", user_id=user.id))
    form = _user_form(user, formdata=None)
    remember_shown(form)
    return _edit_page(user, form, password_form)


@bp.post("/<int:user_id>/second-step-off")
@require_role(Role.ADMIN)
def second_step_off(user_id: int):
    """For someone who has lost the phone with their authenticator app."""
    user = db.get_or_404(User, user_id)
    if user.totp_secret is not None:
        users.remove_second_step(db.session, user)
        flash(
            f"Turned off the second sign-in step for {user.email}. Ask them to turn it on again.", "success"
        )
    return redirect(url_for(".edit", user_id=user.id))


@bp.post("/<int:user_id>/sign-out")
@require_role(Role.ADMIN)
def sign_out(user_id: int):
    """Sign someone out of every browser, without changing their password or turning their account off:
    they phoned to say they left a laptop signed in on a train."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:  # yours, keeping this browser, from your own list
        return redirect(url_for("auth.sessions"))
    users.end_sessions(db.session, user)
    security_log.event("sessions_ended", user.id, by=str(current_user.id))
    flash(f"Signed {user.email} out of every browser. Their password still works.", "success")
    return redirect(url_for(".edit", user_id=user.id))


def _user_form(user: User, **kwargs) -> UserForm:
    """The account's form, filled from the account where a post does not say otherwise."""
    return UserForm(data={"name": user.name, "role": user.role.value, "active": user.active}, **kwargs)


def _edit_page(user: User, form: UserForm, password_form: SetPasswordForm):
    return render_template(
        "users/edit.html",
        user=user,
        form=form,
        password_form=password_form,
        signed_in=live_sign_ins(user),
        history=users.history(db.session, user),
    ), 400 if form.errors or password_form.errors else 200
