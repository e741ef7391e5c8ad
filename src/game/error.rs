//! Every refusal a person can meet, as a protocol code with a sentence in Dutch and
//! English. This is the one place where codes and their sentences live; the server uses
//! the same [`ErrorCode`] for the refusals that happen before a command reaches a game.

use serde::Serialize;

use crate::scenario::Language;

/// The error codes of PROTOCOL.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadMessage,
    TooLarge,
    RateLimited,
    UnknownRoom,
    RoomLocked,
    RoomFull,
    RoomFinished,
    NameTaken,
    InvalidName,
    InvalidToken,
    NotAllowed,
    WrongPhase,
    InvalidInput,
    NotEnoughPlayers,
    ServerBusy,
    /// Version 2: the command could not be stored, so nothing changed (a full disk, say).
    StorageUnavailable,
    /// Version 2: the room's stored log stops replaying at some command; the room is
    /// shown as it was up to there, and takes no more commands.
    RoomReadOnly,
    /// Version 2: a `propose` written on an older version of the table's proposal.
    StaleProposal,
    /// Version 2: a room or a player has written as many notes (or proposal versions) as
    /// a room can hold.
    LimitReached,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 19] = [
        ErrorCode::BadMessage,
        ErrorCode::TooLarge,
        ErrorCode::RateLimited,
        ErrorCode::UnknownRoom,
        ErrorCode::RoomLocked,
        ErrorCode::RoomFull,
        ErrorCode::RoomFinished,
        ErrorCode::NameTaken,
        ErrorCode::InvalidName,
        ErrorCode::InvalidToken,
        ErrorCode::NotAllowed,
        ErrorCode::WrongPhase,
        ErrorCode::InvalidInput,
        ErrorCode::NotEnoughPlayers,
        ErrorCode::ServerBusy,
        ErrorCode::StorageUnavailable,
        ErrorCode::RoomReadOnly,
        ErrorCode::StaleProposal,
        ErrorCode::LimitReached,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ErrorCode::BadMessage => "bad_message",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::UnknownRoom => "unknown_room",
            ErrorCode::RoomLocked => "room_locked",
            ErrorCode::RoomFull => "room_full",
            ErrorCode::RoomFinished => "room_finished",
            ErrorCode::NameTaken => "name_taken",
            ErrorCode::InvalidName => "invalid_name",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::NotAllowed => "not_allowed",
            ErrorCode::WrongPhase => "wrong_phase",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotEnoughPlayers => "not_enough_players",
            ErrorCode::ServerBusy => "server_busy",
            ErrorCode::StorageUnavailable => "storage_unavailable",
            ErrorCode::RoomReadOnly => "room_read_only",
            ErrorCode::StaleProposal => "stale_proposal",
            ErrorCode::LimitReached => "limit_reached",
        }
    }

    /// A sentence for a person, in plain language.
    pub fn message(self, lang: Language) -> &'static str {
        use ErrorCode::*;
        match (self, lang) {
            (BadMessage, Language::Nl) => "Dit bericht begrijpt de server niet.",
            (BadMessage, Language::En) => "The server does not understand this message.",
            (TooLarge, Language::Nl) => "Dit bericht is te groot.",
            (TooLarge, Language::En) => "This message is too large.",
            (RateLimited, Language::Nl) => "Je stuurt te veel berichten. Wacht even.",
            (RateLimited, Language::En) => "You are sending too many messages. Please wait a moment.",
            (UnknownRoom, Language::Nl) => "Er is geen spel met deze code. Kijk de code na.",
            (UnknownRoom, Language::En) => "There is no game with this code. Please check the code.",
            (RoomLocked, Language::Nl) => "Dit spel is op slot. Vraag de spelleider om hulp.",
            (RoomLocked, Language::En) => "This game is locked. Ask the facilitator for help.",
            (RoomFull, Language::Nl) => "Dit spel is vol.",
            (RoomFull, Language::En) => "This game is full.",
            (RoomFinished, Language::Nl) => "Dit spel is al afgelopen.",
            (RoomFinished, Language::En) => "This game has already finished.",
            (NameTaken, Language::Nl) => "Iemand anders heeft deze naam al. Kies een andere naam.",
            (NameTaken, Language::En) => "Someone else already has this name. Please choose another.",
            (InvalidName, Language::Nl) => "Deze naam kan niet. Gebruik 1 tot 24 gewone tekens.",
            (InvalidName, Language::En) => "This name cannot be used. Use 1 to 24 ordinary characters.",
            (InvalidToken, Language::Nl) => "Je plek in dit spel is niet meer geldig. Doe opnieuw mee.",
            (InvalidToken, Language::En) => "Your place in this game is no longer valid. Please join again.",
            (NotAllowed, Language::Nl) => "Dit mag jij nu niet doen.",
            (NotAllowed, Language::En) => "You are not allowed to do this.",
            (WrongPhase, Language::Nl) => "Dit kan nu niet, in deze ronde.",
            (WrongPhase, Language::En) => "This is not possible in this round.",
            (InvalidInput, Language::Nl) => "Er klopt iets niet. Kijk wat je hebt ingevuld.",
            (InvalidInput, Language::En) => "Something is not right. Please check what you entered.",
            (NotEnoughPlayers, Language::Nl) => "Er zijn minstens 3 spelers nodig om te beginnen.",
            (NotEnoughPlayers, Language::En) => "At least 3 players are needed to start.",
            (ServerBusy, Language::Nl) => "De server is nu te druk. Probeer het zo nog eens.",
            (ServerBusy, Language::En) => "The server is too busy right now. Please try again soon.",
            (StorageUnavailable, Language::Nl) => {
                "De server kan dit nu niet bewaren. Er is niets veranderd. Probeer het zo nog eens."
            }
            (StorageUnavailable, Language::En) => {
                "The server cannot save this right now. Nothing was changed. Please try again soon."
            }
            (RoomReadOnly, Language::Nl) => "Dit spel kun je alleen nog bekijken. Spelen kan niet meer.",
            (RoomReadOnly, Language::En) => "You can only look at this game now. It can no longer be played.",
            (StaleProposal, Language::Nl) => {
                "Iemand anders heeft het voorstel net veranderd. Jouw tekst is nog niet opgeslagen. Kijk naar beide teksten."
            }
            (StaleProposal, Language::En) => {
                "Someone else just changed the proposal. Your text is not saved yet. Look at both texts."
            }
            (LimitReached, Language::Nl) => "Er kan hier niets meer bij. Het maximum is bereikt.",
            (LimitReached, Language::En) => "Nothing more can be added here. The maximum has been reached.",
        }
    }
}

/// Why input was refused with `invalid_input`: lets the sentence say what to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputProblem {
    EmptyText,
    TextTooLong {
        max: usize,
    },
    NoteKindNotAllowed,
    ConditionMissing,
    ReasonMissing,
    UnknownPlayer,
    /// A table and note number that do not exist.
    UnknownNote,
    /// An unknown role or vote choice.
    UnknownValue,
    /// A budget project id that the case does not have.
    UnknownProject,
    /// The same project twice in one ballot.
    RepeatedProject,
    /// A table number the room does not have (or a table in a budget round).
    UnknownTable,
    SecondsOutOfRange,
}

/// A refusal by the game. Each maps to one [`ErrorCode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GameError {
    #[error("not allowed")]
    NotAllowed,
    #[error("the room has finished")]
    RoomFinished,
    #[error("not in this phase")]
    WrongPhase,
    #[error("invalid input: {0:?}")]
    InvalidInput(InputProblem),
    #[error("the room is locked")]
    RoomLocked,
    #[error("the room is full")]
    RoomFull,
    #[error("the name is taken")]
    NameTaken,
    #[error("the name is invalid")]
    InvalidName,
    #[error("not enough players")]
    NotEnoughPlayers,
    #[error("the proposal changed since this text was written")]
    StaleProposal,
    #[error("a limit was reached: {0:?}")]
    LimitReached(Limit),
}

/// Which limit a `limit_reached` met: lets the sentence say what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    NotesPerPlayer,
    NotesPerRoom,
    ProposalVersions,
}

impl GameError {
    pub fn code(self) -> ErrorCode {
        match self {
            GameError::NotAllowed => ErrorCode::NotAllowed,
            GameError::RoomFinished => ErrorCode::RoomFinished,
            GameError::WrongPhase => ErrorCode::WrongPhase,
            GameError::InvalidInput(_) => ErrorCode::InvalidInput,
            GameError::RoomLocked => ErrorCode::RoomLocked,
            GameError::RoomFull => ErrorCode::RoomFull,
            GameError::NameTaken => ErrorCode::NameTaken,
            GameError::InvalidName => ErrorCode::InvalidName,
            GameError::NotEnoughPlayers => ErrorCode::NotEnoughPlayers,
            GameError::StaleProposal => ErrorCode::StaleProposal,
            GameError::LimitReached(_) => ErrorCode::LimitReached,
        }
    }

    /// The sentence for a person; for `invalid_input` it says what to fix.
    pub fn message(self, lang: Language) -> String {
        if let GameError::LimitReached(limit) = self {
            let nl = lang == Language::Nl;
            return match (limit, nl) {
                (Limit::NotesPerPlayer, true) => {
                    format!(
                        "Je hebt al {} notities geschreven. Meer kan niet in dit spel.",
                        super::MAX_NOTES_PER_PLAYER
                    )
                }
                (Limit::NotesPerPlayer, false) => {
                    format!("You have written {} notes already. No more fit in this game.", super::MAX_NOTES_PER_PLAYER)
                }
                (Limit::NotesPerRoom, true) => "Dit spel heeft zoveel notities dat er geen meer bij kan.".into(),
                (Limit::NotesPerRoom, false) => "This game has so many notes that no more fit.".into(),
                (Limit::ProposalVersions, true) => {
                    "Dit voorstel is al heel vaak veranderd. Meer versies kunnen niet. Stem erover.".into()
                }
                (Limit::ProposalVersions, false) => {
                    "This proposal has changed very often. No more versions fit. Vote on it.".into()
                }
            };
        }
        let GameError::InvalidInput(p) = self else { return self.code().message(lang).to_string() };
        let nl = lang == Language::Nl;
        match p {
            InputProblem::EmptyText if nl => "Je tekst is leeg.".into(),
            InputProblem::EmptyText => "Your text is empty.".into(),
            InputProblem::TextTooLong { max } if nl => format!("Je tekst is te lang. Gebruik hoogstens {max} tekens."),
            InputProblem::TextTooLong { max } => format!("Your text is too long. Use at most {max} characters."),
            InputProblem::NoteKindNotAllowed if nl => "Dit soort notitie hoort niet bij deze ronde.".into(),
            InputProblem::NoteKindNotAllowed => "This kind of note does not belong to this round.".into(),
            InputProblem::ConditionMissing if nl => "Schrijf op onder welke voorwaarde je ja zegt.".into(),
            InputProblem::ConditionMissing => "Write down the condition for your yes.".into(),
            InputProblem::ReasonMissing if nl => "Schrijf op waarom je bezwaar hebt.".into(),
            InputProblem::ReasonMissing => "Write down why you object.".into(),
            InputProblem::UnknownPlayer if nl => "Deze speler bestaat niet.".into(),
            InputProblem::UnknownPlayer => "This player does not exist.".into(),
            InputProblem::UnknownNote if nl => "Deze notitie bestaat niet.".into(),
            InputProblem::UnknownNote => "This note does not exist.".into(),
            InputProblem::UnknownValue if nl => "Deze keuze bestaat niet.".into(),
            InputProblem::UnknownValue => "This choice does not exist.".into(),
            InputProblem::UnknownProject if nl => "Dit project bestaat niet.".into(),
            InputProblem::UnknownProject => "This project does not exist.".into(),
            InputProblem::RepeatedProject if nl => "Je hebt een project twee keer gekozen.".into(),
            InputProblem::RepeatedProject => "You chose a project twice.".into(),
            InputProblem::UnknownTable if nl => "Deze tafel bestaat niet.".into(),
            InputProblem::UnknownTable => "This table does not exist.".into(),
            InputProblem::SecondsOutOfRange if nl => "Kies tussen 1 en 1800 seconden.".into(),
            InputProblem::SecondsOutOfRange => "Choose between 1 and 1800 seconds.".into(),
        }
    }
}
