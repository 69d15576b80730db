"""Extensions, created unbound so that ``create_app`` can bind them to any number of apps."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

# Named constraints make migrations reviewable and let Alembic drop them again on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:  # every model maps one table; SQLAlchemy types it as any FROM clause
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)
# The base of every model. Type checkers cannot take a base class from an attribute (python/mypy#8603), so
# they see Base, which db.Model extends only with Flask-SQLAlchemy's query property and table naming.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
wtforms_helpers = WTFormsHelpers()
